package store

// The reconciler's checkpoints. Access patterns:
//
//	checkpoint of a campaign number    GetItem  RECONCILE#<address> / CHECKPOINT
//	which of some messages are stored  BatchGetItem  MSGSID#<sid> / MSGSID
//
// One item per address the reconciler reads (a number, or whatsapp:+… for
// WhatsApp), written by the scheduled reconciler alone, never by a webhook.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

type checkpointItem struct {
	PK, SK    string
	Type      string `dynamodbav:"type"`
	Address   string `dynamodbav:"address"`
	Until     string `dynamodbav:"until"`
	UpdatedAt string `dynamodbav:"updated_at"`
}

func checkpointKey(address string) (string, string) { return "RECONCILE#" + address, "CHECKPOINT" }

// ReconcileCheckpoint returns the time up to which every inbound message to
// address has been reconciled, or the zero time when none has been.
//
// Errors: transient.
func (s *Store) ReconcileCheckpoint(ctx context.Context, address string) (time.Time, error) {
	var it checkpointItem
	pk, sk := checkpointKey(address)
	err := s.getItem(ctx, "store: reconcile checkpoint", key(pk, sk), &it)
	if tip.Is(err, tip.KindNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return parseTime(it.Until), nil
}

// SaveReconcileCheckpoint moves address's checkpoint forward to until; an
// older until (a slower run finishing after a newer one) leaves it alone.
//
// Errors: transient.
func (s *Store) SaveReconcileCheckpoint(ctx context.Context, address string, until time.Time) error {
	const op = "store: save reconcile checkpoint"
	pk, sk := checkpointKey(address)
	it := checkpointItem{PK: pk, SK: sk, Type: "reconcile_checkpoint", Address: address, Until: timeKey(until), UpdatedAt: timeKey(s.now())}
	cond := expression.AttributeNotExists(expression.Name("PK")).Or(expression.Name("until").LessThan(expression.Value(it.Until)))
	e, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: mustMarshal(it),
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()})
	if isCondFailed(err) {
		return nil
	}
	return classify(op, err)
}

// Stored returns the MessageSids among sids that were stored or handled
// (their dedupe record exists), in consistent reads of up to 100 keys each.
//
// Errors: transient.
func (s *Store) Stored(ctx context.Context, sids []string) (map[string]bool, error) {
	const op = "store: stored messages"
	found := map[string]bool{}
	for chunk := range slices.Chunk(sids, 100) {
		keys := make([]map[string]types.AttributeValue, 0, len(chunk))
		for _, sid := range slices.Compact(slices.Sorted(slices.Values(chunk))) {
			keys = append(keys, dedupeKey(sid))
		}
		err := s.batchGet(ctx, op, keys, "PK", func(item map[string]types.AttributeValue) error {
			if pk, ok := item["PK"].(*types.AttributeValueMemberS); ok {
				found[strings.TrimPrefix(pk.Value, "MSGSID#")] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// MarkHandled records that the message sid was handled without becoming
// a tip (an opt-out or help keyword, an authority's acknowledgement, a
// consent answer) with the reply it got, as CreateTip records a tip's: a
// replay of it (a Twilio retry, a reconcile run) then finds it handled and
// does nothing again. A later opt-in must never be undone by a replayed
// opt-out.
//
// Errors: ErrDuplicate (kind conflict) when sid was recorded before, transient.
func (s *Store) MarkHandled(ctx context.Context, sid, reply string) error {
	const op = "store: mark message handled"
	now := s.now()
	put := condPut(s.table, dedupeItem{PK: "MSGSID#" + sid, SK: "MSGSID", Type: "dedupe", Reply: reply,
		CreatedAt: timeKey(now), ExpiresAt: now.Add(dedupeTTL).Unix()}, &notExists).Put
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
		ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues})
	if isCondFailed(err) {
		return tip.E(tip.KindConflict, op, ErrDuplicate)
	}
	return classify(op, err)
}

// SetOptOutHandled records a reporter's opt-out (or opt-in) given by the
// message sid together with the message's dedupe record, in one
// transaction: a replay of the message (a Twilio retry, a reconcile run)
// finds it handled and changes nothing, so an opt-out read again never
// undoes a later opt-in.
//
// Errors: ErrDuplicate (kind conflict) when sid was handled before, transient.
func (s *Store) SetOptOutHandled(ctx context.Context, reporter string, out bool, sid, reply string) error {
	const op = "store: set opt-out"
	now := s.now()
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		condPut(s.table, struct {
			PK, SK    string
			Type      string `dynamodbav:"type"`
			OptedOut  bool   `dynamodbav:"opted_out"`
			UpdatedAt string `dynamodbav:"updated_at"`
		}{"REPORTER#" + reporter, "OPTOUT", "optout", out, timeKey(now)}, nil),
		condPut(s.table, dedupeItem{PK: "MSGSID#" + sid, SK: "MSGSID", Type: "dedupe", Reply: reply,
			CreatedAt: timeKey(now), ExpiresAt: now.Add(dedupeTTL).Unix()}, &notExists),
	}})
	if cancelledAt(err, 1) {
		return tip.E(tip.KindConflict, op, ErrDuplicate)
	}
	return classify(op, err)
}
