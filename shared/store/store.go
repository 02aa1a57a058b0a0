// Package store keeps tips, messages and their bookkeeping in one DynamoDB
// table (single-table design, see infra/table/table.json).
//
// Access patterns, each a GetItem, a Query or a transaction, never a Scan:
//
//	dedupe of a Twilio MessageSid      GetItem  MSGSID#<sid> / MSGSID
//	open conversation of a reporter    GetItem  REPORTER#<key> / OPEN
//	opt-out of a reporter              GetItem  REPORTER#<key> / OPTOUT
//	tip by id                          GetItem  TIP#<id> / TIP
//	tip by reference code              GetItem  REF#<ref> / REF, then the tip
//	messages of a tip, in order        Query    TIP#<id>, SK begins_with MSG#
//	queue by status, most urgent first Query    GSI1 QUEUE#<status>, <rank>#<created>#<id>
//	tips of a campaign by time         Query    GSI2 CAMPAIGN#<id>, <created>#<id>
//	queue of a region                  Query    GSI3 REGION#<code>, <rank>#<created>#<id>
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"tipline/shared/tip"
)

// API is the part of the DynamoDB client the store uses. Both the AWS SDK
// client and the embedded engine satisfy it.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Store is the DynamoDB adapter. It is safe for concurrent use.
type Store struct {
	db    API
	table string
	now   tip.Clock
	// retention: how long closed and spam tips are kept (0: for ever); see erase.go.
	retention time.Duration
}

// New returns a store on table name. It does no I/O.
func New(db API, table string, now tip.Clock) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

// Sentinel errors callers branch on.
var (
	// ErrDuplicate: the MessageSid was stored before (a Twilio retry).
	ErrDuplicate = errors.New("message already stored")
	// ErrConversationOpen: the reporter has an open conversation; append instead.
	ErrConversationOpen = errors.New("conversation already open")
	// ErrRefTaken: the reference code is in use; draw another.
	ErrRefTaken = errors.New("reference code taken")
	// ErrStale: the item changed since it was read.
	ErrStale = errors.New("stale version")
)

// timeKey formats t with fixed width so that keys sort by time.
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// classify turns an SDK error into an error of a kind, with context.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return tip.E(tip.KindConflict, op, errors.New("condition failed"))
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tip.E(tip.KindConflict, op, fmt.Errorf("transaction cancelled: %s", reasons(tce)))
	}
	var tcf *types.TransactionConflictException
	var thr *types.ProvisionedThroughputExceededException
	var lim *types.RequestLimitExceeded
	var ise *types.InternalServerError
	if errors.As(err, &tcf) || errors.As(err, &thr) || errors.As(err, &lim) || errors.As(err, &ise) {
		return tip.E(tip.KindTransient, op, errors.New(errorCode(err)))
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return tip.E(tip.KindInternal, op, errors.New("table not found"))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return tip.E(tip.KindTransient, op, err)
	}
	// Anything else (network, throttling with other codes, 5xx) is treated as
	// transient: the caller answers 503 and Twilio retries.
	return tip.E(tip.KindTransient, op, errors.New(errorCode(err)))
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

func reasons(tce *types.TransactionCanceledException) string {
	s := ""
	for i, r := range tce.CancellationReasons {
		if i > 0 {
			s += ","
		}
		s += aws.ToString(r.Code)
	}
	return "[" + s + "]"
}

// cancelledAt reports whether a transaction failed because of the condition
// of action i.
func cancelledAt(err error, i int) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || i >= len(tce.CancellationReasons) {
		return false
	}
	return aws.ToString(tce.CancellationReasons[i].Code) == "ConditionalCheckFailed"
}

// getItem reads one item consistently into out (a pointer to a record).
// Errors: not found when there is no item, internal when it does not
// decode, or the classified SDK error.
func (s *Store) getItem(ctx context.Context, op string, key map[string]types.AttributeValue, out any) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return classify(op, err)
	}
	if len(res.Item) == 0 {
		return tip.E(tip.KindNotFound, op, nil)
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	return nil
}

// key is the primary key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}
