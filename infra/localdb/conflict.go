package localdb

// DynamoDB's transaction conflict rules, which neither DynamoDB Local nor the
// embedded engine applies. DynamoDB "Transactions: how it works", section
// "Transaction conflict handling":
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling
//
//   - a PutItem, UpdateItem or DeleteItem of an item that an ongoing
//     TransactWriteItems includes fails with TransactionConflictException;
//   - a TransactWriteItems with an item that another ongoing
//     TransactWriteItems includes is cancelled (TransactionCanceledException,
//     reason TransactionConflict for that item, None for the others).
//
// The SDKs retry neither. Locks holds, for every transaction in flight, the
// items it includes; Transport (for an SDK client talking HTTP) and
// ConflictAPI (for the in-process engine) answer overlapping writes as
// DynamoDB does.

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"tipline/shared/store"
)

// Texts DynamoDB gives a transaction conflict.
const (
	conflictReason  = "TransactionConflict"
	conflictMessage = "Transaction is ongoing for the item"
	cancelledPrefix = "Transaction cancelled, please refer cancellation reasons for specific reasons "
)

// Locks are the item-level locks of the transactions in flight. The zero
// value is not usable; call NewLocks. Safe for concurrent use.
type Locks struct {
	// Hold keeps a transaction's locks at least this long, as DynamoDB's
	// two-phase commit does for tens of milliseconds; an in-process engine
	// commits in microseconds and would otherwise almost never overlap.
	Hold time.Duration
	// KeyNames are the table's key attributes (default PK and SK).
	KeyNames []string

	mu        sync.Mutex
	held      map[string]bool
	conflicts atomic.Int64
}

// NewLocks returns empty locks with no minimum hold.
func NewLocks() *Locks { return &Locks{held: map[string]bool{}} }

// Conflicts returns how many writes were refused so far.
func (l *Locks) Conflicts() int64 { return l.conflicts.Load() }

// lockTx takes the locks of items for one transaction. When any is held it
// takes none and returns, per item, whether it conflicted.
func (l *Locks) lockTx(items []string) (conflicted []bool, release func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	any := false
	conflicted = make([]bool, len(items))
	for i, k := range items {
		if l.held[k] {
			conflicted[i], any = true, true
		}
	}
	if any {
		l.conflicts.Add(1)
		return conflicted, nil
	}
	for _, k := range items {
		l.held[k] = true
	}
	start := time.Now()
	return nil, func() {
		if wait := l.Hold - time.Since(start); wait > 0 {
			time.Sleep(wait)
		}
		l.mu.Lock()
		for _, k := range items {
			delete(l.held, k)
		}
		l.mu.Unlock()
	}
}

// busy reports whether a transaction in flight includes item.
func (l *Locks) busy(item string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[item] {
		l.conflicts.Add(1)
		return true
	}
	return false
}

func (l *Locks) keyNames() []string {
	if len(l.KeyNames) > 0 {
		return l.KeyNames
	}
	return []string{"PK", "SK"}
}

// itemID names an item: its table and the typed values of its key
// attributes. value returns an attribute's type letter and value, ok false
// when the attribute is absent.
func (l *Locks) itemID(table string, value func(name string) (typ, v string, ok bool)) string {
	var b strings.Builder
	b.WriteString(table)
	names := append([]string(nil), l.keyNames()...)
	sort.Strings(names)
	for _, n := range names {
		typ, v, ok := value(n)
		if !ok {
			continue
		}
		b.WriteString("\x00" + n + "\x00" + typ + ":" + v)
	}
	return b.String()
}

func (l *Locks) typedID(table string, key map[string]types.AttributeValue) string {
	return l.itemID(table, func(n string) (string, string, bool) {
		switch v := key[n].(type) {
		case *types.AttributeValueMemberS:
			return "S", v.Value, true
		case *types.AttributeValueMemberN:
			return "N", v.Value, true
		case *types.AttributeValueMemberB:
			return "B", base64.StdEncoding.EncodeToString(v.Value), true
		}
		return "", "", false
	})
}

// cancelledMessage is the Message of a TransactionCanceledException.
func cancelledMessage(conflicted []bool) string {
	codes := make([]string, len(conflicted))
	for i, c := range conflicted {
		codes[i] = "None"
		if c {
			codes[i] = conflictReason
		}
	}
	return cancelledPrefix + "[" + strings.Join(codes, ", ") + "]"
}

// ConflictAPI puts DynamoDB's conflict rules in front of an in-process
// engine. Its errors are those the SDK client decodes from DynamoDB's
// responses (see Transport), wrapped in a smithy.OperationError as the SDK
// wraps them.
type ConflictAPI struct {
	store.API
	Locks *Locks
}

// NewConflictAPI wraps db with locks.
func NewConflictAPI(db store.API, locks *Locks) *ConflictAPI {
	return &ConflictAPI{API: db, Locks: locks}
}

func opError(op string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: err}
}

func txConflict() error {
	return &types.TransactionConflictException{Message: aws.String(conflictMessage)}
}

// TransactWriteItems implements store.API.
func (c *ConflictAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	ids := make([]string, len(in.TransactItems))
	for i, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			ids[i] = c.Locks.typedID(aws.ToString(it.Put.TableName), it.Put.Item)
		case it.Update != nil:
			ids[i] = c.Locks.typedID(aws.ToString(it.Update.TableName), it.Update.Key)
		case it.Delete != nil:
			ids[i] = c.Locks.typedID(aws.ToString(it.Delete.TableName), it.Delete.Key)
		case it.ConditionCheck != nil:
			ids[i] = c.Locks.typedID(aws.ToString(it.ConditionCheck.TableName), it.ConditionCheck.Key)
		}
	}
	conflicted, release := c.Locks.lockTx(ids)
	if release == nil {
		e := &types.TransactionCanceledException{Message: aws.String(cancelledMessage(conflicted))}
		for _, hit := range conflicted {
			r := types.CancellationReason{Code: aws.String("None")}
			if hit {
				r = types.CancellationReason{Code: aws.String(conflictReason), Message: aws.String(conflictMessage)}
			}
			e.CancellationReasons = append(e.CancellationReasons, r)
		}
		return nil, opError("TransactWriteItems", e)
	}
	defer release()
	return c.API.TransactWriteItems(ctx, in, o...)
}

// PutItem implements store.API.
func (c *ConflictAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if c.Locks.busy(c.Locks.typedID(aws.ToString(in.TableName), in.Item)) {
		return nil, opError("PutItem", txConflict())
	}
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem implements store.API.
func (c *ConflictAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if c.Locks.busy(c.Locks.typedID(aws.ToString(in.TableName), in.Key)) {
		return nil, opError("UpdateItem", txConflict())
	}
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem implements store.API.
func (c *ConflictAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if c.Locks.busy(c.Locks.typedID(aws.ToString(in.TableName), in.Key)) {
		return nil, opError("DeleteItem", txConflict())
	}
	return c.API.DeleteItem(ctx, in, o...)
}
