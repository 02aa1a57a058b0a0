package store

// Routes and alerts. Access patterns:
//
//	route of a tip                     GetItem  TIP#<id> / ROUTE
//	alerts of a tip                    Query    TIP#<id>, SK begins_with ALERT#
//	one alert                          GetItem  TIP#<id> / ALERT#<authority>#<nn>
//	alerts due (retry, stuck claim)    Query    GSI2 DUE#ALERT#critical#<shard>, then DUE#ALERT#high#<shard>, then DUE#ALERT#<shard>; <due time>#... <= now, each shard
//	routes due for escalation          Query    GSI1 DUE#ESCALATION#<shard>, <escalate at>#<tip id> <= now, each shard
//	reportable tips not forwarded      Query    GSI1 QUEUE#triaged, rank < 3 (critical and high), from a cursor
//	newest of them of one urgency      Query    GSI1 QUEUE#triaged, begins_with <rank>#, newest first
//	the sweep's cursor in that queue   GetItem  SWEEP#TRIAGED / CURSOR
//	consent question of a reporter     GetItem  REPORTER#<key> / CONSENT (expires)
//	finished alerts of an authority    Query    GSI2 AUTHALERT#<authority>, <tip id>#...
//	settled routes by state            Query    GSI1 ROUTE#<state>, <tip id>
//
// An item is in the DUE# partitions only while work on it is due, so each
// sweep reads only what it has to do. Finished alerts move to their
// authority's history (GSI2 AUTHALERT#<authority>, by tip id, which is
// time-ordered) and settled routes to a partition per state (GSI1
// ROUTE#<state>), rather than dropping their index keys: index keys are
// always overwritten, never removed.
//
// The due partitions are spread over dueShards shards by tip id, so the
// writes of a burst of tips land on many index partitions rather than one,
// and the sweep reads every shard and merges them by due time.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// Index partitions of due work: a prefix and a shard of the tip id. Due
// alerts of critical and high tips have a prefix each, read before the
// rest, so that a backlog of other alerts never delays them (dueAlerts
// holds the others: alerts of medium or low tips forwarded by hand, and
// alerts written before alerts had an urgency).
const (
	dueAlerts      = "DUE#ALERT"
	dueEscalations = "DUE#ESCALATION"
	dueShards      = 8
)

// dueShard is the due partition of a tip's work.
func dueShard(prefix, tipID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(tipID))
	return fmt.Sprintf("%s#%d", prefix, h.Sum32()%dueShards)
}

// duePartitions are every shard of prefix, and the unsharded partition that
// items written before sharding may still be in.
func duePartitions(prefix string) []string {
	out := []string{prefix}
	for i := 0; i < dueShards; i++ {
		out = append(out, fmt.Sprintf("%s#%d", prefix, i))
	}
	return out
}

// duePrefixes are the due-alert prefixes, most urgent first.
var duePrefixes = []string{dueAlerts + "#" + string(tip.Critical), dueAlerts + "#" + string(tip.High), dueAlerts}

// duePrefix is the due-alert prefix of an alert of a tip of urgency u.
func duePrefix(u tip.Urgency) string {
	if u == tip.Critical || u == tip.High {
		return dueAlerts + "#" + string(u)
	}
	return dueAlerts
}

// Sentinel errors of the alert lifecycle, all of kind conflict.
var (
	// ErrAlertExists: the alert for this contact was written before.
	ErrAlertExists = errors.New("alert already exists")
	// ErrNotClaimable: the alert is not due, is claimed by another worker,
	// or is finished.
	ErrNotClaimable = errors.New("alert not claimable")
	// ErrClaimLost: the claim expired and another worker holds the alert.
	ErrClaimLost = errors.New("claim lost")
)

type routeItem struct {
	PK, SK     string
	GSI1PK     string       `dynamodbav:",omitempty"`
	GSI1SK     string       `dynamodbav:",omitempty"`
	Type       string       `dynamodbav:"type"`
	TipID      string       `dynamodbav:"tip_id"`
	State      string       `dynamodbav:"state"`
	Consent    string       `dynamodbav:"consent,omitempty"`
	Rules      []string     `dynamodbav:"rules,omitempty"`
	Targets    []tip.Target `dynamodbav:"targets"`
	Tier       int          `dynamodbav:"tier"`
	EscalateAt string       `dynamodbav:"escalate_at,omitempty"`
	AckBy      string       `dynamodbav:"ack_by,omitempty"`
	AckAt      string       `dynamodbav:"ack_at,omitempty"`
	Version    int          `dynamodbav:"version"`
	CreatedAt  string       `dynamodbav:"created_at"`
	UpdatedAt  string       `dynamodbav:"updated_at"`
}

func toRouteItem(r *tip.Route) routeItem {
	it := routeItem{PK: "TIP#" + r.TipID, SK: "ROUTE", Type: "route", TipID: r.TipID, State: string(r.State),
		Consent: string(r.Consent), Rules: r.Rules, Targets: r.Targets, Tier: r.Tier, EscalateAt: optTimeKey(r.EscalateAt),
		AckBy: r.AckBy, AckAt: optTimeKey(r.AckAt), Version: r.Version,
		CreatedAt: timeKey(r.CreatedAt), UpdatedAt: timeKey(r.UpdatedAt)}
	if it.Targets == nil {
		it.Targets = []tip.Target{}
	}
	if r.State == tip.RouteRouted && !r.EscalateAt.IsZero() {
		it.GSI1PK, it.GSI1SK = dueShard(dueEscalations, r.TipID), timeKey(r.EscalateAt)+"#"+r.TipID
	} else {
		it.GSI1PK, it.GSI1SK = "ROUTE#"+string(r.State), r.TipID
	}
	return it
}

func (it routeItem) route() tip.Route {
	return tip.Route{TipID: it.TipID, State: tip.RouteState(it.State), Consent: tip.Consent(it.Consent), Rules: it.Rules,
		Targets: it.Targets, Tier: it.Tier, EscalateAt: parseTime(it.EscalateAt), AckBy: it.AckBy,
		AckAt: parseTime(it.AckAt), Version: it.Version, CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt)}
}

// Route returns the forwarding state of a tip, or a not-found error when the
// tip was never routed.
func (s *Store) Route(ctx context.Context, tipID string) (tip.Route, error) {
	op := "store: route of tip " + tipID
	var it routeItem
	if err := s.getItem(ctx, op, key("TIP#"+tipID, "ROUTE"), &it); err != nil {
		return tip.Route{}, err
	}
	return it.route(), nil
}

// SaveRoute writes a route with its audit entries in one transaction: a new
// one when r.Version is 0 (refused when one exists), otherwise over the
// stored route only if its version is still r.Version. On success r has its
// new version. A routed route with an escalation time is in the escalation
// index; any other is not.
//
// Errors: ErrStale (kind conflict) when another writer came first, transient.
func (s *Store) SaveRoute(ctx context.Context, r *tip.Route, audit ...tip.Audit) error {
	op := "store: save route of tip " + r.TipID
	next := *r
	next.Version = r.Version + 1
	next.UpdatedAt = s.now()
	if next.CreatedAt.IsZero() {
		next.CreatedAt = next.UpdatedAt
	}
	cond := notExists
	if r.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(r.Version))
	}
	items := []types.TransactWriteItem{condPut(s.table, toRouteItem(&next), &cond)}
	for i, a := range audit {
		a.TipID = r.TipID
		if a.At.IsZero() {
			a.At = next.UpdatedAt
		}
		items = append(items, s.auditPut(a, i))
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	if err != nil {
		return classify(op, err)
	}
	*r = next
	return nil
}

type alertItem struct {
	PK, SK        string
	GSI2PK        string          `dynamodbav:",omitempty"`
	GSI2SK        string          `dynamodbav:",omitempty"`
	Type          string          `dynamodbav:"type"`
	TipID         string          `dynamodbav:"tip_id"`
	AuthorityID   string          `dynamodbav:"authority_id"`
	Contact       int             `dynamodbav:"contact"`
	Channel       tip.Channel     `dynamodbav:"channel"`
	Address       string          `dynamodbav:"address"`
	Tier          int             `dynamodbav:"tier"`
	Urgency       tip.Urgency     `dynamodbav:"urgency,omitempty"`
	DuePK         string          `dynamodbav:"due_pk,omitempty"` // the GSI2PK it has while due
	Status        tip.AlertStatus `dynamodbav:"status"`
	Delivery      string          `dynamodbav:"delivery,omitempty"`
	DeliveryRank  int             `dynamodbav:"delivery_rank,omitempty"`
	SID           string          `dynamodbav:"sid,omitempty"`
	Attempts      int             `dynamodbav:"attempts"`
	ErrorCode     int             `dynamodbav:"error_code,omitempty"`
	Actor         string          `dynamodbav:"actor"`
	NextAttemptAt string          `dynamodbav:"next_attempt_at"`
	ClaimUntil    string          `dynamodbav:"claim_until,omitempty"`
	CreatedAt     string          `dynamodbav:"created_at"`
	UpdatedAt     string          `dynamodbav:"updated_at"`
}

func alertSK(authority string, contact int) string {
	return fmt.Sprintf("ALERT#%s#%02d", authority, contact)
}

func alertKey(k tip.AlertKey) map[string]types.AttributeValue {
	return key("TIP#"+k.TipID, alertSK(k.AuthorityID, k.Contact))
}

// dueSK orders the due-alert index by time, then by alert.
func dueSK(at time.Time, k tip.AlertKey) string {
	return timeKey(at) + "#" + k.TipID + "#" + alertSK(k.AuthorityID, k.Contact)
}

func (it alertItem) alert() tip.Alert {
	return tip.Alert{TipID: it.TipID, AuthorityID: it.AuthorityID, Contact: it.Contact, Channel: it.Channel,
		Address: it.Address, Tier: it.Tier, Urgency: it.Urgency, Status: it.Status, Delivery: it.Delivery, SID: it.SID,
		Attempts: it.Attempts, ErrorCode: it.ErrorCode, Actor: it.Actor, NextAttemptAt: parseTime(it.NextAttemptAt),
		ClaimUntil: parseTime(it.ClaimUntil), CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt)}
}

// UnmarshalAlert decodes an alert item, as read from the table or a stream image.
// Like UnmarshalTip, it checks the type first: another item type is kind invalid.
func UnmarshalAlert(item map[string]types.AttributeValue) (tip.Alert, error) {
	if t := itemType(item); t != "alert" {
		return tip.Alert{}, tip.Errorf(tip.KindInvalid, "store: decode alert", "item of type %q", t)
	}
	var it alertItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return tip.Alert{}, tip.E(tip.KindInternal, "store: decode alert", err)
	}
	return it.alert(), nil
}

// CreateAlert writes a pending alert, due at a.NextAttemptAt (now when
// zero), unless the alert for that tip, authority and contact exists: the
// one guard that makes replayed stream records, concurrent dispatchers and
// re-run sweeps never alert a contact twice.
//
// Errors: ErrAlertExists (kind conflict), transient.
func (s *Store) CreateAlert(ctx context.Context, a tip.Alert) error {
	op := "store: create alert " + a.Key().String()
	now := s.now()
	if a.NextAttemptAt.IsZero() {
		a.NextAttemptAt = now
	}
	if a.Actor == "" {
		a.Actor = "system"
	}
	due := dueShard(duePrefix(a.Urgency), a.TipID)
	it := alertItem{PK: "TIP#" + a.TipID, SK: alertSK(a.AuthorityID, a.Contact), GSI2PK: due, GSI2SK: dueSK(a.NextAttemptAt, a.Key()),
		Type: "alert", TipID: a.TipID, AuthorityID: a.AuthorityID, Contact: a.Contact, Channel: a.Channel, Address: a.Address,
		Tier: a.Tier, Urgency: a.Urgency, DuePK: due, Status: tip.AlertPending, Actor: a.Actor, NextAttemptAt: timeKey(a.NextAttemptAt),
		CreatedAt: timeKey(now), UpdatedAt: timeKey(now)}
	e, _ := expression.NewBuilder().WithCondition(notExists).Build()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: mustMarshal(it),
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return tip.E(tip.KindConflict, op, ErrAlertExists)
	}
	return classify(op, err)
}

// Alert returns one alert, or a not-found error.
func (s *Store) Alert(ctx context.Context, k tip.AlertKey) (tip.Alert, error) {
	op := "store: get alert " + k.String()
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: alertKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return tip.Alert{}, classify(op, err)
	}
	if len(out.Item) == 0 {
		return tip.Alert{}, tip.E(tip.KindNotFound, op, nil)
	}
	return UnmarshalAlert(out.Item)
}

// Alerts returns the alerts of a tip, ordered by authority and contact.
func (s *Store) Alerts(ctx context.Context, tipID string) ([]tip.Alert, error) {
	var items []alertItem
	if err := s.queryAll(ctx, "store: alerts of tip "+tipID, "TIP#"+tipID, "ALERT#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Alert, 0, len(items))
	for _, it := range items {
		out = append(out, it.alert())
	}
	return out, nil
}

// ClaimAlert takes an alert for sending: a pending alert that is due, or a
// sending alert whose claim expired (its worker crashed). The claim lasts
// lease; the returned alert's Attempts fences the writes that finish it.
//
// Errors: ErrNotClaimable (kind conflict), transient.
func (s *Store) ClaimAlert(ctx context.Context, k tip.AlertKey, lease time.Duration) (tip.Alert, error) {
	op := "store: claim alert " + k.String()
	now := s.now()
	until := now.Add(lease)
	nowV := expression.Value(timeKey(now))
	due := expression.Name("status").Equal(expression.Value(tip.AlertPending)).And(expression.Name("next_attempt_at").LessThanEqual(nowV))
	stuck := expression.Name("status").Equal(expression.Value(tip.AlertSending)).And(expression.Name("claim_until").LessThanEqual(nowV))
	cond := expression.AttributeExists(expression.Name("PK")).And(due.Or(stuck))
	upd := expression.Set(expression.Name("status"), expression.Value(tip.AlertSending)).
		Set(expression.Name("claim_until"), expression.Value(timeKey(until))).
		Set(expression.Name("attempts"), expression.Name("attempts").Plus(expression.Value(1))).
		Set(expression.Name("updated_at"), nowV).
		// While claimed the alert stays in the due index at its claim's end,
		// so a sweep finds it again if this worker never finishes; in the
		// partition of its urgency, which the item keeps in due_pk.
		Set(expression.Name("GSI2PK"), expression.IfNotExists(expression.Name("due_pk"), expression.Value(dueShard(dueAlerts, k.TipID)))).
		Set(expression.Name("GSI2SK"), expression.Value(dueSK(until, k)))
	out, err := s.update(ctx, k, upd, cond, types.ReturnValueAllNew)
	if isCondFailed(err) {
		return tip.Alert{}, tip.E(tip.KindConflict, op, ErrNotClaimable)
	}
	if err != nil {
		return tip.Alert{}, classify(op, err)
	}
	return UnmarshalAlert(out.Attributes)
}

// AlertSent records that Twilio accepted the claimed alert as message sid.
// A delivery status already recorded by an early callback is kept.
//
// Errors: ErrClaimLost (kind conflict) when the claim with attempts is no
// longer held, transient.
func (s *Store) AlertSent(ctx context.Context, k tip.AlertKey, attempts int, sid string) error {
	return s.AlertSentVia(ctx, k, attempts, sid, "")
}

// AlertSentVia is AlertSent that also records the channel the alert was
// actually sent by (a WhatsApp contact gets SMS when no template is
// configured); "" keeps the contact's channel.
//
// Errors: ErrClaimLost (kind conflict), transient.
func (s *Store) AlertSentVia(ctx context.Context, k tip.AlertKey, attempts int, sid string, via tip.Channel) error {
	now := timeKey(s.now())
	upd := expression.Set(expression.Name("status"), expression.Value(tip.AlertSent)).
		Set(expression.Name("sid"), expression.Value(sid)).
		Set(expression.Name("delivery"), expression.IfNotExists(expression.Name("delivery"), expression.Value("queued"))).
		Set(expression.Name("delivery_rank"), expression.IfNotExists(expression.Name("delivery_rank"), expression.Value(tip.DeliveryRank("queued")))).
		Set(expression.Name("updated_at"), expression.Value(now)).
		Remove(expression.Name("claim_until"))
	if via != "" {
		upd = upd.Set(expression.Name("channel"), expression.Value(via))
	}
	upd = toHistory(upd, k)
	return s.finish(ctx, "store: alert sent "+k.String(), k, attempts, upd)
}

// AlertRetry puts the claimed alert back as pending, due at next, after a
// transient failure with Twilio error code (0 for a network failure).
//
// Errors: ErrClaimLost (kind conflict), transient.
func (s *Store) AlertRetry(ctx context.Context, k tip.AlertKey, attempts int, next time.Time, code int) error {
	upd := expression.Set(expression.Name("status"), expression.Value(tip.AlertPending)).
		Set(expression.Name("next_attempt_at"), expression.Value(timeKey(next))).
		Set(expression.Name("error_code"), expression.Value(code)).
		Set(expression.Name("updated_at"), expression.Value(timeKey(s.now()))).
		Set(expression.Name("GSI2PK"), expression.IfNotExists(expression.Name("due_pk"), expression.Value(dueShard(dueAlerts, k.TipID)))).
		Set(expression.Name("GSI2SK"), expression.Value(dueSK(next, k))).
		Remove(expression.Name("claim_until"))
	return s.finish(ctx, "store: alert retry "+k.String(), k, attempts, upd)
}

// AlertFailed ends the claimed alert as failed with Twilio error code: the
// contact cannot be reached this way.
//
// Errors: ErrClaimLost (kind conflict), transient.
func (s *Store) AlertFailed(ctx context.Context, k tip.AlertKey, attempts int, code int) error {
	upd := expression.Set(expression.Name("status"), expression.Value(tip.AlertFailed)).
		Set(expression.Name("error_code"), expression.Value(code)).
		Set(expression.Name("updated_at"), expression.Value(timeKey(s.now()))).
		Remove(expression.Name("claim_until"))
	upd = toHistory(upd, k)
	return s.finish(ctx, "store: alert failed "+k.String(), k, attempts, upd)
}

// AlertCancelled ends the claimed alert unsent (the tip was acknowledged).
//
// Errors: ErrClaimLost (kind conflict), transient.
func (s *Store) AlertCancelled(ctx context.Context, k tip.AlertKey, attempts int) error {
	upd := expression.Set(expression.Name("status"), expression.Value(tip.AlertCancelled)).
		Set(expression.Name("updated_at"), expression.Value(timeKey(s.now()))).
		Remove(expression.Name("claim_until"))
	upd = toHistory(upd, k)
	return s.finish(ctx, "store: alert cancelled "+k.String(), k, attempts, upd)
}

// toHistory moves a finished alert from the due partition to its
// authority's history.
func toHistory(upd expression.UpdateBuilder, k tip.AlertKey) expression.UpdateBuilder {
	return upd.Set(expression.Name("GSI2PK"), expression.Value("AUTHALERT#"+k.AuthorityID)).
		Set(expression.Name("GSI2SK"), expression.Value(k.TipID+"#"+alertSK(k.AuthorityID, k.Contact)))
}

func (s *Store) finish(ctx context.Context, op string, k tip.AlertKey, attempts int, upd expression.UpdateBuilder) error {
	cond := expression.Name("status").Equal(expression.Value(tip.AlertSending)).
		And(expression.Name("attempts").Equal(expression.Value(attempts)))
	_, err := s.update(ctx, k, upd, cond, types.ReturnValueNone)
	if isCondFailed(err) {
		return tip.E(tip.KindConflict, op, ErrClaimLost)
	}
	return classify(op, err)
}

// RecordDelivery records Twilio's status of an alert's message, only when it
// ranks above the recorded one (callbacks arrive out of order) and the
// message is the alert's (sid matches, or none is recorded yet). It returns
// the alert as it is after the call and whether the status was recorded.
//
// Audit entries, when given, are written in the same transaction as the
// status: both or neither, so a caller that failed may try again.
//
// Errors: not found for an unknown alert, transient.
func (s *Store) RecordDelivery(ctx context.Context, k tip.AlertKey, sid, status string, code int, audit ...tip.Audit) (tip.Alert, bool, error) {
	op := "store: record delivery " + k.String()
	rank := tip.DeliveryRank(status)
	if rank == 0 || sid == "" {
		a, err := s.Alert(ctx, k)
		return a, false, err
	}
	upd := expression.Set(expression.Name("delivery"), expression.Value(status)).
		Set(expression.Name("delivery_rank"), expression.Value(rank)).
		Set(expression.Name("sid"), expression.IfNotExists(expression.Name("sid"), expression.Value(sid))).
		Set(expression.Name("updated_at"), expression.Value(timeKey(s.now())))
	if code != 0 {
		upd = upd.Set(expression.Name("error_code"), expression.Value(code))
	}
	cond := expression.AttributeExists(expression.Name("PK")).
		And(expression.AttributeNotExists(expression.Name("delivery_rank")).Or(expression.Name("delivery_rank").LessThan(expression.Value(rank)))).
		And(expression.AttributeNotExists(expression.Name("sid")).Or(expression.Name("sid").Equal(expression.Value(sid))))
	if len(audit) > 0 {
		return s.recordDeliveryAudited(ctx, op, k, upd, cond, audit)
	}
	out, err := s.update(ctx, k, upd, cond, types.ReturnValueAllNew)
	if isCondFailed(err) {
		a, err := s.Alert(ctx, k)
		return a, false, err
	}
	if err != nil {
		return tip.Alert{}, false, classify(op, err)
	}
	a, err := UnmarshalAlert(out.Attributes)
	return a, err == nil, err
}

// recordDeliveryAudited is RecordDelivery's update and its audit entries
// in one transaction, then the alert read back.
func (s *Store) recordDeliveryAudited(ctx context.Context, op string, k tip.AlertKey, upd expression.UpdateBuilder, cond expression.ConditionBuilder, audit []tip.Audit) (tip.Alert, bool, error) {
	e, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return tip.Alert{}, false, tip.E(tip.KindInternal, op, err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: alertKey(k),
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
		ExpressionAttributeValues: e.Values()}}}
	for i, a := range audit {
		items = append(items, s.auditPut(a, i))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	recorded := err == nil
	if err != nil && !cancelledAt(err, 0) {
		return tip.Alert{}, false, classify(op, err)
	}
	a, err := s.Alert(ctx, k)
	return a, recorded && err == nil, err
}

func (s *Store) update(ctx context.Context, k tip.AlertKey, upd expression.UpdateBuilder, cond expression.ConditionBuilder, rv types.ReturnValue) (*dynamodb.UpdateItemOutput, error) {
	e, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return nil, tip.E(tip.KindInternal, "store: build update", err)
	}
	return s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: alertKey(k),
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
		ExpressionAttributeValues: e.Values(), ReturnValues: rv})
}

func isCondFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// DueAlerts returns up to limit alerts due at now: pending alerts whose
// next attempt has come and sending alerts whose claim expired. Alerts of
// critical tips come first, then those of high ones, then the rest; oldest
// first within each, across every shard.
//
// Errors: transient.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]tip.AlertKey, error) {
	type row struct {
		GSI2SK      string
		TipID       string `dynamodbav:"tip_id"`
		AuthorityID string `dynamodbav:"authority_id"`
		Contact     int    `dynamodbav:"contact"`
	}
	var out []tip.AlertKey
	for _, prefix := range duePrefixes {
		left := 0
		if limit > 0 {
			if left = limit - len(out); left <= 0 {
				break
			}
		}
		var items []row
		for _, pk := range duePartitions(prefix) {
			cond := expression.Key("GSI2PK").Equal(expression.Value(pk)).And(expression.Key("GSI2SK").LessThanEqual(expression.Value(timeKey(now) + "#~")))
			var part []row
			if err := s.queryIndex(ctx, "store: due alerts", "GSI2", cond, left, &part); err != nil {
				return out, err
			}
			items = append(items, part...)
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].GSI2SK < items[j].GSI2SK })
		if left > 0 && len(items) > left {
			items = items[:left]
		}
		for _, it := range items {
			out = append(out, tip.AlertKey{TipID: it.TipID, AuthorityID: it.AuthorityID, Contact: it.Contact})
		}
	}
	return out, nil
}

// DueEscalations returns up to limit ids of routed tips whose escalation
// time has come, oldest first across every shard.
func (s *Store) DueEscalations(ctx context.Context, now time.Time, limit int) ([]string, error) {
	type row struct {
		GSI1SK string
		TipID  string `dynamodbav:"tip_id"`
	}
	var items []row
	for _, pk := range duePartitions(dueEscalations) {
		cond := expression.Key("GSI1PK").Equal(expression.Value(pk)).And(expression.Key("GSI1SK").LessThanEqual(expression.Value(timeKey(now) + "#~")))
		var part []row
		if err := s.queryIndex(ctx, "store: due escalations", "GSI1", cond, limit, &part); err != nil {
			return nil, err
		}
		items = append(items, part...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].GSI1SK < items[j].GSI1SK })
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.TipID)
	}
	return out, nil
}

// ReportableTriaged returns up to limit tips still in the triaged queue that
// are critical or high, most urgent first, oldest first within an urgency:
// tips the dispatcher has not forwarded yet (waiting for consent, declined,
// without a route, or whose stream record was lost). It starts after the
// place cursor names ("" from the start) and returns the cursor after the
// last tip read, or "" when no reportable tip follows. A cursor stays valid
// when the tip it names leaves the queue.
//
// Tips held for a reporter or for staff stay in the queue for as long as
// they are held, so a reader that always started from the front would
// never get past them: the sweep keeps its cursor (SaveSweepCursor).
//
// Errors: invalid for a malformed cursor, transient.
func (s *Store) ReportableTriaged(ctx context.Context, cursor string, limit int) ([]*tip.Tip, string, error) {
	const op = "store: reportable triaged tips"
	// Reportable ranks sort before medium's; the cursor is the queue key of
	// the last tip read. Queue keys are printable, so every key after the
	// cursor sorts at or after cursor+" ": a lower bound that holds whether
	// or not the cursor's tip is still in the queue.
	upper := fmt.Sprint(tip.Medium.Rank())
	rng := expression.Key("GSI1SK").LessThan(expression.Value(upper))
	if cursor != "" {
		if cursor >= upper || strings.ContainsFunc(cursor, func(r rune) bool { return r <= ' ' }) {
			return nil, "", tip.Errorf(tip.KindInvalid, op, "malformed cursor")
		}
		rng = expression.Key("GSI1SK").Between(expression.Value(cursor+" "), expression.Value(upper))
	}
	cond := expression.Key("GSI1PK").Equal(expression.Value("QUEUE#" + string(tip.StatusTriaged))).And(rng)
	e, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, "", tip.E(tip.KindInternal, op, err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI1"), KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	var all []map[string]types.AttributeValue
	more := false
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", classify(op, err)
		}
		all = append(all, page.Items...)
		more = len(page.LastEvaluatedKey) > 0
		if !more || (limit > 0 && len(all) >= limit) {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	if limit > 0 && len(all) > limit {
		all, more = all[:limit], true
	}
	var items []tipItem
	if err := attributevalue.UnmarshalListOfMaps(all, &items); err != nil {
		return nil, "", tip.E(tip.KindInternal, op, err)
	}
	out := make([]*tip.Tip, 0, len(items))
	for _, it := range items {
		out = append(out, it.tip())
	}
	next := ""
	if more && len(items) > 0 {
		next = items[len(items)-1].GSI1SK
	}
	return out, next, nil
}

// NewestTriaged returns up to limit tips of urgency u still in the triaged
// queue, newest first: the sweep dispatches them before it works the
// backlog, so a burst of older tips never delays the latest critical one.
//
// Errors: transient.
func (s *Store) NewestTriaged(ctx context.Context, u tip.Urgency, limit int) ([]*tip.Tip, error) {
	const op = "store: newest triaged tips"
	cond := expression.Key("GSI1PK").Equal(expression.Value("QUEUE#" + string(tip.StatusTriaged))).
		And(expression.Key("GSI1SK").BeginsWith(fmt.Sprint(u.Rank()) + "#"))
	e, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, tip.E(tip.KindInternal, op, err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI1"), KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(max(limit, 1)))})
	if err != nil {
		return nil, classify(op, err)
	}
	var items []tipItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, tip.E(tip.KindInternal, op, err)
	}
	tips := make([]*tip.Tip, 0, len(items))
	for _, it := range items {
		tips = append(tips, it.tip())
	}
	return tips, nil
}

// QueueCursor is the ReportableTriaged cursor that resumes right after t.
func QueueCursor(t *tip.Tip) string { return queueSK(t) }

// The sweep's place in the triaged queue.
const sweepCursorPK, sweepCursorSK = "SWEEP#TRIAGED", "CURSOR"

type sweepCursorItem struct {
	PK, SK    string
	Type      string `dynamodbav:"type"`
	Cursor    string `dynamodbav:"cursor"`
	UpdatedAt string `dynamodbav:"updated_at"`
}

// SweepCursor returns where the sweep stopped reading the triaged queue
// (a ReportableTriaged cursor), "" when it starts from the front.
//
// Errors: transient.
func (s *Store) SweepCursor(ctx context.Context) (string, error) {
	var it sweepCursorItem
	err := s.getItem(ctx, "store: sweep cursor", key(sweepCursorPK, sweepCursorSK), &it)
	if tip.Is(err, tip.KindNotFound) {
		return "", nil
	}
	return it.Cursor, err
}

// SaveSweepCursor records where the next sweep reads the triaged queue
// from. Concurrent sweeps may overwrite each other's cursor: the worst is
// a page read twice or left to the next round.
//
// Errors: transient.
func (s *Store) SaveSweepCursor(ctx context.Context, cursor string) error {
	it := sweepCursorItem{PK: sweepCursorPK, SK: sweepCursorSK, Type: "cursor", Cursor: cursor, UpdatedAt: timeKey(s.now())}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: mustMarshal(it)})
	return classify("store: save sweep cursor", err)
}

type consentItem struct {
	PK, SK    string
	Type      string `dynamodbav:"type"`
	TipID     string `dynamodbav:"tip_id"`
	CreatedAt string `dynamodbav:"created_at"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// SaveConsentQuestion records that the reporter was asked for consent to
// forward tipID, for ttl: their SI or NO may come long after their
// conversation closed. A later question replaces an earlier one.
//
// Errors: transient.
func (s *Store) SaveConsentQuestion(ctx context.Context, reporter, tipID string, ttl time.Duration) error {
	now := s.now()
	it := consentItem{PK: "REPORTER#" + reporter, SK: "CONSENT", Type: "consent", TipID: tipID,
		CreatedAt: timeKey(now), ExpiresAt: now.Add(ttl).Unix()}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: mustMarshal(it)})
	return classify("store: save consent question of tip "+tipID, err)
}

// ConsentQuestion returns the tip whose consent question the reporter was
// last asked, or a not-found error when none was or it expired (the table
// deletes expired items only eventually).
//
// Errors: not found, transient.
func (s *Store) ConsentQuestion(ctx context.Context, reporter string) (string, error) {
	const op = "store: consent question"
	var it consentItem
	if err := s.getItem(ctx, op, reporterKey(reporter, "CONSENT"), &it); err != nil {
		return "", err
	}
	if it.ExpiresAt <= s.now().Unix() {
		return "", tip.E(tip.KindNotFound, op, nil)
	}
	return it.TipID, nil
}

func (s *Store) queryIndex(ctx context.Context, op, index string, cond expression.KeyConditionBuilder, limit int, out any) error {
	e, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String(index), KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	var all []map[string]types.AttributeValue
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return classify(op, err)
		}
		all = append(all, page.Items...)
		if len(page.LastEvaluatedKey) == 0 || (limit > 0 && len(all) >= limit) {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	if err := attributevalue.UnmarshalListOfMaps(all, out); err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	return nil
}
