// Package deadletter reads the stream records the alert functions gave up
// on (dispatch-alerts, send-alerts) and sends them back through the same
// handlers. In AWS the records' batches wait in the alerts dead-letter queue
// (SQS, Lambda's on-failure destination: batch metadata, never the items);
// locally serve keeps each failed record as a file in a folder. Both are a
// Queue, so `tipline dlq list|redrive` reads either.
//
// A letter shows the tip id, the kind of item (tip or alert), why it failed
// and its age; never a message body or a number, which the queue does not
// hold: a record is redriven from the item as it is now in the table, read
// by its keys, so the handler decides on the current state. The handlers
// are idempotent (an alert is written and sent once), and a letter is
// deleted once each of its records went through, so a second redrive finds
// nothing to do.
package deadletter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/alert"
	"tipline/shared/tip"
)

// Kinds of item a record is of.
const (
	KindTip   = "tip"
	KindAlert = "alert"
	KindOther = "other"
)

// Record is one failed stream record: the keys of its item.
type Record struct {
	TipID          string    `json:"tip_id"`
	Kind           string    `json:"kind"`
	PK             string    `json:"pk"`
	SK             string    `json:"sk"`
	SequenceNumber string    `json:"sequence_number"`
	At             time.Time `json:"at,omitzero"` // when the change entered the stream
}

// Letter is one entry of a dead-letter queue: one or more records that
// failed together.
type Letter struct {
	ID       string    `json:"id"`
	Function string    `json:"function"` // the consumer that gave up
	Error    string    `json:"error"`    // why: never a body or a number
	FailedAt time.Time `json:"failed_at"`
	Records  []Record  `json:"records"`
	// Expired: its records have left the stream (24 hours) and cannot be
	// read again; the sweep has covered their work.
	Expired bool `json:"expired,omitempty"`

	handle string // the queue's handle to delete or release it
}

// Queue is a dead-letter queue.
type Queue interface {
	// Letters returns every letter waiting. A letter returned is hidden
	// from other readers until Delete or Release.
	Letters(ctx context.Context) ([]Letter, error)
	// Delete removes a letter whose records all went through.
	Delete(ctx context.Context, l Letter) error
	// Release makes a letter visible again (after list, or a failed redrive).
	Release(ctx context.Context, l Letter) error
}

// RecordOf reads the keys of a stream record.
func RecordOf(r events.DynamoDBEventRecord) Record {
	pk, sk := r.Change.Keys["PK"].String(), r.Change.Keys["SK"].String()
	if r.Change.Keys["PK"].DataType() != events.DataTypeString {
		pk = ""
	}
	if r.Change.Keys["SK"].DataType() != events.DataTypeString {
		sk = ""
	}
	return Record{TipID: tipID(pk), Kind: kindOf(sk), PK: pk, SK: sk, SequenceNumber: r.Change.SequenceNumber,
		At: r.Change.ApproximateCreationDateTime.Time}
}

func tipID(pk string) string {
	if id, ok := strings.CutPrefix(pk, "TIP#"); ok {
		return id
	}
	return ""
}

func kindOf(sk string) string {
	switch {
	case sk == "TIP":
		return KindTip
	case strings.HasPrefix(sk, "ALERT#"):
		return KindAlert
	}
	return KindOther
}

// Handler is a stream consumer: alert.Dispatcher's HandleTipStream or
// HandleAlertStream.
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Getter reads an item: the DynamoDB client.
type Getter interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// Redriver sends letters back through the handlers.
type Redriver struct {
	DB    Getter
	Table string
	Tip   Handler // records of tips
	Alert Handler // records of alerts
	// Progress, when set, is told after each letter.
	Progress func(done, total int)
	// DropExpired deletes letters whose records left the stream.
	DropExpired bool
}

// Result counts what a redrive did.
type Result struct {
	Letters  int // letters read
	Redriven int // records that went through their handler
	Failed   int // records a handler failed again (their letters are kept)
	Expired  int // letters whose records left the stream
	Deleted  int // letters deleted
}

// Redrive reads every letter of q and sends each record's item, as it is
// now, through the handler of its kind; a letter is deleted when all its
// records went through, released otherwise. An item gone from the table
// (expired or erased) has nothing left to do and counts as through.
//
// Errors: reading the queue fails; a record that fails again is counted,
// not returned.
func (x *Redriver) Redrive(ctx context.Context, q Queue) (Result, error) {
	letters, err := q.Letters(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Letters: len(letters)}
	for i, l := range letters {
		ok := true
		switch {
		case l.Expired:
			res.Expired++
			ok = x.DropExpired
		default:
			for _, r := range l.Records {
				if err := x.one(ctx, r); err != nil {
					res.Failed++
					ok = false
					continue
				}
				res.Redriven++
			}
		}
		if ok {
			if err := q.Delete(ctx, l); err != nil {
				return res, err
			}
			res.Deleted++
		} else if err := q.Release(ctx, l); err != nil {
			return res, err
		}
		if x.Progress != nil {
			x.Progress(i+1, len(letters))
		}
	}
	return res, nil
}

// one sends one record's current item through its handler.
func (x *Redriver) one(ctx context.Context, r Record) error {
	h := x.Tip
	if r.Kind == KindAlert {
		h = x.Alert
	}
	if r.Kind == KindOther || h == nil {
		return nil // no consumer takes it: nothing to redo
	}
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: r.PK}, "SK": &types.AttributeValueMemberS{Value: r.SK}}
	out, err := x.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(x.Table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return tip.E(tip.KindTransient, "deadletter: read "+r.PK+" "+r.SK, err)
	}
	if len(out.Item) == 0 {
		return nil
	}
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
		EventID: "redrive-" + r.SequenceNumber, EventName: "MODIFY", EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{Keys: alert.EventImage(key), NewImage: alert.EventImage(out.Item), SequenceNumber: r.SequenceNumber,
			StreamViewType: "NEW_AND_OLD_IMAGES"},
	}}}
	resp, err := h(ctx, ev)
	if err != nil {
		return err
	}
	if len(resp.BatchItemFailures) > 0 {
		return fmt.Errorf("deadletter: %s record of tip %s failed again", r.Kind, r.TipID)
	}
	return nil
}
