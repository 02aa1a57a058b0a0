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
//	campaign figures (recount)         Query    GSI2 CAMPAIGN#<id>, between two Lima days
//
// # Items each write touches
//
// DynamoDB cancels a transaction one of whose items is in another
// transaction in flight (TransactionConflict) and fails a single-item
// write on such an item (TransactionConflictException); the SDKs retry
// neither. So no write a webhook makes may touch an item that another
// reporter's message also touches. Keys below: <sid> is the Twilio
// MessageSid, <reporter> the HMAC of the sender's number, <id> and <ref>
// drawn at random per tip, <phone> the sender's number.
//
//	CreateTip (first message)      MSGSID#<sid>/MSGSID, REF#<ref>/REF, TIP#<id>/TIP,
//	                               TIP#<id>/MSG#<ts>#<sid>, REPORTER#<reporter>/OPEN;
//	                               without a prior read (NewTip.Unread) also checks
//	                               REPORTER#<reporter>/OPTOUT and AUTHPHONE#<phone>/AUTHPHONE
//	AppendMessage (follow-up)      MSGSID#<sid>/MSGSID, TIP#<id>/TIP, TIP#<id>/MSG#<ts>#<sid>,
//	                               REPORTER#<reporter>/OPEN
//	SetOptOut (BAJA, ALTA)         REPORTER#<reporter>/OPTOUT
//	SaveTip (staff)                TIP#<id>/TIP, TIP#<id>/AUDIT#<ts>#<n>#<action>#<random>
//	AddOutbound, AddAudit          TIP#<id>/MSG#..., TIP#<id>/AUDIT#...
//	SaveRoute, CreateAlert,        TIP#<id>/ROUTE, TIP#<id>/ALERT#<authority>#<nn>,
//	ClaimAlert ... RecordDelivery  TIP#<id>/AUDIT#... (stream consumers and the sweep)
//	SaveConsentQuestion            REPORTER#<reporter>/CONSENT
//	SaveSweepCursor                SWEEP#TRIAGED/CURSOR (the sweep alone, a plain PutItem)
//	PutAuthority, PutRule,         AUTHORITY#..., AUTHPHONE#..., RULE#..., CAMPAIGN#...,
//	campaigns and materials        MATERIAL#..., MATCODE#..., NUMBER#... (staff configuration, never a webhook)
//
// Every item a first message writes or checks is keyed by its own
// MessageSid, its own random tip id and reference, or its own sender: two
// reporters' first messages share none, so they never meet in a
// transaction. Only messages of one reporter (or deliveries of one
// MessageSid) can meet, and the webhook retries those with backoff. Campaign
// figures are recounted from the campaign index when read (Counters), not
// counted in the tip's transaction. Index partitions many writers hit at
// once are spread: the due-work partitions (DUE#ALERT, DUE#ESCALATION) have
// dueShards shards by tip id. Index writes never cause a
// TransactionConflict (indexes are updated after the commit); spreading
// them keeps a burst from throttling one index partition. The queue
// partitions (QUEUE#<status>, REGION#<code>, CAMPAIGN#<id>) are as wide as
// the table's status, region and campaign; at the tip line's rate (tips a
// minute, not thousands a second) they stay far below a partition's 1,000
// writes a second.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	db       API
	table    string
	now      tip.Clock
	counters countersCache
}

// Option changes a store New makes.
type Option func(*Store)

// WithCountersCache keeps campaign figures (Counters) for ttl after they
// are recounted.
func WithCountersCache(ttl time.Duration) Option {
	return func(s *Store) { s.counters.ttl = ttl }
}

// New returns a store on table name. It does no I/O.
func New(db API, table string, now tip.Clock, opts ...Option) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, table: table, now: now}
	for _, o := range opts {
		o(s)
	}
	return s
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
	// ErrTooLarge: DynamoDB refused the write because an item would exceed
	// its 400 KB limit. It is permanent: the same write fails every time.
	ErrTooLarge = errors.New("item too large")
	// ErrNeedsLookup: a write made without reading first (NewTip.Unread)
	// found state that changes what to do (an opt-out, an authority's
	// number): read (Lookup), then decide again.
	ErrNeedsLookup = errors.New("reporter state must be read first")
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
		if v := validationReason(tce); v != "" {
			return validation(op, v)
		}
		if retryable(tce) {
			// Another transaction held one of its items, or capacity ran
			// out: nothing was wrong with the request, so it may be tried
			// again (the SDKs do not retry a cancelled transaction).
			return tip.E(tip.KindTransient, op, fmt.Errorf("transaction cancelled: %s", reasons(tce)))
		}
		return tip.E(tip.KindConflict, op, fmt.Errorf("transaction cancelled: %s", reasons(tce)))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" {
		return validation(op, ae.ErrorMessage())
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

// validation is the error of a request DynamoDB found invalid: never
// transient (the same request fails again), ErrTooLarge when an item would
// exceed the size limit. DynamoDB's message names the problem, not the
// data, and goes into the error for the log.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
func validation(op, msg string) error {
	if strings.Contains(msg, "size") && strings.Contains(msg, "exceeded") {
		return tip.E(tip.KindInvalid, op, fmt.Errorf("%w: ValidationException: %s", ErrTooLarge, msg))
	}
	return tip.E(tip.KindInvalid, op, fmt.Errorf("ValidationException: %s", msg))
}

// validationReason is the message of a transaction's ValidationError
// cancellation reason (an item grown past 400 KB by an update), or "".
func validationReason(tce *types.TransactionCanceledException) string {
	for _, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "ValidationError" {
			if m := aws.ToString(r.Message); m != "" {
				return m
			}
			return "ValidationError"
		}
	}
	return ""
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

// retryable reports whether a cancelled transaction failed only for
// reasons that trying again can cure: TransactionConflict (an item was in
// another transaction), ThrottlingError, ProvisionedThroughputExceeded.
// Reason codes: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
func retryable(tce *types.TransactionCanceledException) bool {
	found := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "", "None":
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			found = true
		default:
			return false
		}
	}
	return found
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
