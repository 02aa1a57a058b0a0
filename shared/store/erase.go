package store

// Retention and erasure.
//
//	keys of a tip's items              Query    TIP#<id> (keys only)
//	tombstone of an erased tip         GetItem  TIP#<id> / TIP (type tombstone)
//
// Retention: a tip closed or marked spam gets, with every item of its
// partition (messages and their media references, alerts, route, audit),
// an expiresAt RetentionDays after, and the table's TTL deletes them; a tip
// reopened loses it (expiresAt "kept"). Campaign figures stay as they
// were: the counters per campaign, material and day are items of their own
// without expiry (the period figures Stats computes from tips count the
// tips still kept; an erased tip's tombstone still counts there).
//
// Known gap: an item written into the partition after the tip was closed
// (an audit entry of a later read, the route rewritten by the sweep) has no
// expiry until the tip is saved again; the table's REMOVE stream record of
// the expired tip is where to hand the rest of its partition to TTL.
//
// Erasure: the tip item becomes a tombstone (reference, dates, urgency,
// category, region, campaign, who erased it and why; no text, no sealed
// contact, no reporter key, no place) outside every index, and its messages
// are deleted, in one transaction with the audit entry that records it.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// ErrErased is the kind-not-found error of a tip that was erased: only its
// tombstone is left.
var ErrErased = errors.New("erased")

// DefaultRetention is how long closed and spam tips are kept: two years.
const DefaultRetention = 730 * 24 * time.Hour

// WithRetention makes closed and spam tips expire d after they were closed
// (0 keeps them for ever). It returns s; call it before use.
func (s *Store) WithRetention(d time.Duration) *Store {
	s.retention = d
	return s
}

// keptForever is the expiresAt of an item kept: not a Number, so TTL
// leaves it alone.
const keptForever = "kept"

// expires tells whether a tip of status st expires.
func expires(st tip.Status) bool { return st == tip.StatusClosed || st == tip.StatusSpam }

// retainAfterSave stamps or clears the expiry of a tip's items when a save
// moved it into or out of closed/spam. Best effort after the save: a later
// save of a closed tip stamps again.
func (s *Store) retainAfterSave(ctx context.Context, old, next *tip.Tip) {
	if s.retention <= 0 {
		return
	}
	switch {
	case expires(next.Status):
		_ = s.Retain(ctx, next.ID, next.UpdatedAt.Add(s.retention))
	case expires(old.Status):
		_ = s.Retain(ctx, next.ID, time.Time{})
	}
}

// Retain sets expiresAt to until on every item of the tip's partition
// (until zero: keptForever). Items deleted meanwhile are not written again.
//
// Errors: transient.
func (s *Store) Retain(ctx context.Context, tipID string, until time.Time) error {
	op := "store: retain tip " + tipID
	keys, err := s.partitionKeys(ctx, op, "TIP#"+tipID)
	if err != nil {
		return err
	}
	upd := expression.Set(expression.Name("expiresAt"), expression.Value(until.Unix()))
	if until.IsZero() {
		// TTL ignores an item whose attribute is not a Number. A string
		// rather than REMOVE, which the embedded engine (minidyn 0.8) does
		// not apply.
		upd = expression.Set(expression.Name("expiresAt"), expression.Value(keptForever))
	}
	e, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.AttributeExists(expression.Name("PK"))).Build()
	if err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	for _, k := range keys {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: k, UpdateExpression: e.Update(),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) {
			return classify(op, err)
		}
	}
	return nil
}

// partitionKeys returns the keys of every item of a partition.
func (s *Store) partitionKeys(ctx context.Context, op, pk string) ([]map[string]types.AttributeValue, error) {
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("PK").Equal(expression.Value(pk))).
		WithProjection(expression.NamesList(expression.Name("PK"), expression.Name("SK"))).Build()
	if err != nil {
		return nil, tip.E(tip.KindInternal, op, err)
	}
	var out []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, KeyConditionExpression: e.KeyCondition(),
			ProjectionExpression: e.Projection(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, classify(op, err)
		}
		out = append(out, res.Items...)
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// Tombstone is what is left of an erased tip: enough for the figures and
// the audit to add up, nothing of the reporter or the report.
type Tombstone struct {
	ID             string      `json:"id" dynamodbav:"id"`
	Ref            string      `json:"ref" dynamodbav:"ref"`
	Channel        tip.Channel `json:"channel" dynamodbav:"channel"`
	Status         tip.Status  `json:"status" dynamodbav:"status"` // when it was erased
	CampaignID     string      `json:"campaign_id" dynamodbav:"campaign_id,omitempty"`
	MaterialID     string      `json:"material_id" dynamodbav:"material_id,omitempty"`
	Urgency        tip.Urgency `json:"urgency" dynamodbav:"urgency"`
	Category       string      `json:"category" dynamodbav:"category"`
	Region         string      `json:"region" dynamodbav:"region"`
	CreatedAt      time.Time   `json:"created_at" dynamodbav:"created_at"`
	ForwardedAt    time.Time   `json:"forwarded_at,omitzero" dynamodbav:"forwarded_at,omitempty"`
	AcknowledgedAt time.Time   `json:"acknowledged_at,omitzero" dynamodbav:"acknowledged_at,omitempty"`
	ErasedAt       time.Time   `json:"erased_at" dynamodbav:"erased_at"`
	ErasedBy       string      `json:"erased_by" dynamodbav:"erased_by"`
	Reason         string      `json:"reason" dynamodbav:"reason"`
}

// tombstoneItem stays in GSI2 (campaign by time, what the figures read) with
// the tip's keys there, and out of the queues (GSI1, GSI3); region_key lets
// figures of a region count it as they counted the tip.
type tombstoneItem struct {
	PK, SK         string
	GSI2PK, GSI2SK string
	Type           string `dynamodbav:"type"`
	RegionKey      string `dynamodbav:"region_key"`
	Tombstone
}

// Tombstone returns the tombstone of an erased tip.
//
// Errors: not found when the tip does not exist or was not erased, transient.
func (s *Store) Tombstone(ctx context.Context, id string) (Tombstone, error) {
	op := "store: tombstone of tip " + id
	var it tombstoneItem
	if err := s.getItem(ctx, op, tipKey(id), &it); err != nil {
		return Tombstone{}, err
	}
	if it.Type != "tombstone" {
		return Tombstone{}, tip.Errorf(tip.KindNotFound, op, "the tip is not erased")
	}
	return it.Tombstone, nil
}

// notErased keeps tombstones out of the campaign queue (GSI2 holds them for
// the figures).
var notErased = expression.Name("type").Equal(expression.Value("tip"))

// maxTransact is DynamoDB's limit of actions in one transaction.
const maxTransact = 100

// EraseTip erases a tip at once: its text, messages with their media
// references, sealed contact, reporter key and place go, its tombstone
// stays with an audit entry naming who erased it and why. The open
// conversation of its reporter, if it is this tip's, is closed, so a
// follow-up opens a new tip. Campaign figures are not touched. Erasing an
// erased tip returns its tombstone.
//
// Errors: invalid without a reason, not found, ErrStale (conflict) when the
// tip changed meanwhile, transient.
func (s *Store) EraseTip(ctx context.Context, id, by, reason string) (Tombstone, error) {
	op := "store: erase tip " + id
	reason = strings.TrimSpace(reason)
	if reason == "" || by == "" {
		return Tombstone{}, tip.Errorf(tip.KindInvalid, op, "who erases and why are required")
	}
	t, err := s.Tip(ctx, id)
	if errors.Is(err, ErrErased) {
		return s.Tombstone(ctx, id)
	}
	if err != nil {
		return Tombstone{}, err
	}
	keys, err := s.partitionKeys(ctx, op, "TIP#"+id)
	if err != nil {
		return Tombstone{}, err
	}
	now := s.now()
	it := toTipItem(t)
	ts := Tombstone{ID: t.ID, Ref: t.Ref, Channel: t.Channel, Status: t.Status, CampaignID: t.CampaignID, MaterialID: t.MaterialID,
		Urgency: t.Urgency, Category: string(t.Category), Region: t.Region, CreatedAt: t.CreatedAt,
		ForwardedAt: t.ForwardedAt, AcknowledgedAt: t.AcknowledgedAt, ErasedAt: now, ErasedBy: by, Reason: reason}
	cond := expression.Name("version").Equal(expression.Value(t.Version)).And(expression.Name("type").Equal(expression.Value("tip")))
	items := []types.TransactWriteItem{
		condPut(s.table, tombstoneItem{PK: "TIP#" + id, SK: "TIP", GSI2PK: it.GSI2PK, GSI2SK: it.GSI2SK, Type: "tombstone",
			RegionKey: it.GSI3PK, Tombstone: ts}, &cond),
		s.auditPut(tip.Audit{TipID: id, At: now, Actor: by, Action: "erased", Detail: map[string]string{"reason": reason}}, 0),
	}
	// The reporter's open conversation goes in the same transaction when it
	// is this tip's, so no follow-up can join an erased tip.
	convAt := -1
	if t.ReporterKey != "" {
		var c conversationItem
		err := s.getItem(ctx, op+": conversation", key("REPORTER#"+t.ReporterKey, "OPEN"), &c)
		switch {
		case err == nil && c.TipID == id:
			e, _ := expression.NewBuilder().WithCondition(expression.Name("tip_id").Equal(expression.Value(id))).Build()
			convAt = len(items)
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table),
				Key: key("REPORTER#"+t.ReporterKey, "OPEN"), ConditionExpression: e.Condition(),
				ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}})
		case err != nil && !tip.Is(err, tip.KindNotFound):
			return Tombstone{}, err
		}
	}
	var rest []types.TransactWriteItem
	for _, k := range keys {
		sk, _ := k["SK"].(*types.AttributeValueMemberS)
		if sk == nil || !strings.HasPrefix(sk.Value, "MSG#") {
			continue
		}
		del := types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: k}}
		if len(items) < maxTransact {
			items = append(items, del)
		} else {
			rest = append(rest, del)
		}
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) || (convAt >= 0 && cancelledAt(err, convAt)) {
		return Tombstone{}, tip.E(tip.KindConflict, op, ErrStale)
	}
	if err != nil {
		return Tombstone{}, classify(op, err)
	}
	// The tip is out of every list and detail already; the messages past
	// the first transaction's hundred actions follow.
	for len(rest) > 0 {
		n := min(len(rest), maxTransact)
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: rest[:n]}); err != nil {
			return ts, classify(op+": messages", err)
		}
		rest = rest[n:]
	}
	return ts, nil
}
