package store

// The reconciler's checkpoints. Access patterns:
//
//	checkpoint of a campaign number    GetItem  RECONCILE#<address> / CHECKPOINT
//
// One item per address the reconciler reads (a number, or whatsapp:+… for
// WhatsApp), written by the scheduled reconciler alone, never by a webhook.

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
