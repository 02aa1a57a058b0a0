package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/metric"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// HandleTipStream is the dispatch-alerts function: for each stream record of
// a tip that is reportable and still triaged, Dispatch. Other records (the
// template's filter drops most of them) are skipped; a tip record that
// does not decode is a failure. Failed records are
// reported by sequence number, so Lambda retries from there; replays are
// harmless because Dispatch is idempotent.
func (x *Dispatcher) HandleTipStream(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return x.each(ctx, ev, 0, func(img map[string]types.AttributeValue) error {
		t, err := store.UnmarshalTip(img)
		if err != nil {
			return notOurs(err)
		}
		if !t.Reportable || t.Status != tip.StatusTriaged {
			return nil
		}
		return x.Dispatch(ctx, t.ID)
	})
}

// HandleAlertStream is the send-alerts function: for each stream record of a
// pending alert, SendAlert. A pending alert not yet due (a retry after
// backoff) is not claimable and waits for the sweep. Records of other item
// types are skipped; records that do not decode and records left when the
// deadline nears are reported as failed.
func (x *Dispatcher) HandleAlertStream(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return x.each(ctx, ev, sendMargin, func(img map[string]types.AttributeValue) error {
		a, err := store.UnmarshalAlert(img)
		if err != nil {
			return notOurs(err)
		}
		if a.Status != tip.AlertPending {
			return nil
		}
		return x.SendAlert(ctx, a.Key())
	})
}

// notOurs skips an item that is not of the kind the handler takes (kind
// invalid: another item type); an item that is but does not decode is a
// failure, so that it reaches the dead-letter queue instead of vanishing.
func notOurs(err error) error {
	if tip.Is(err, tip.KindInvalid) {
		return nil
	}
	return err
}

// sendMargin is the time one more alert needs before the function's
// deadline: claim, twilio-go's 10 s HTTP timeout, and the writes that
// record the outcome. A send cut short by the deadline would leave its
// alert claimed until the lease ends, or a message sent but unrecorded.
const sendMargin = 15 * time.Second

// each handles the records of a batch in order. With a margin, it stops
// when the context's deadline is nearer than margin and reports that
// record and every one after it, so Lambda delivers them again.
func (x *Dispatcher) each(ctx context.Context, ev events.DynamoDBEvent, margin time.Duration, fn func(map[string]types.AttributeValue) error) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	defer func() {
		x.d.Log.Debug("stream batch", "records", len(ev.Records), "failed", len(resp.BatchItemFailures))
	}()
	for i, rec := range ev.Records {
		d, ok := ctx.Deadline()
		if cancelled := ctx.Err() != nil; cancelled || (margin > 0 && ok && time.Until(d) < margin) {
			// Cancelled (the process stops) or near the deadline: what is
			// left is delivered again, never failed one by one.
			x.d.Log.Warn("stream batch stopped before the function's deadline", "left", len(ev.Records)-i, "cancelled", cancelled)
			for _, r := range ev.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
			break
		}
		// INSERT and MODIFY carry the new image; REMOVE and TTL deletions
		// (eventName UNKNOWN_TO_SDK_VERSION on DynamoDB Local) have nothing to do.
		if (rec.EventName != "INSERT" && rec.EventName != "MODIFY") || len(rec.Change.NewImage) == 0 {
			continue
		}
		img, err := Image(rec.Change.NewImage)
		if err == nil {
			err = fn(img)
		}
		if err != nil && ctx.Err() != nil {
			// Cut short by the cancellation, not failed: delivered again.
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		if err != nil {
			x.d.Log.Error("stream record failed", "sequence_number", rec.Change.SequenceNumber, "event_id", rec.EventID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	if n := len(resp.BatchItemFailures); n > 0 {
		x.d.Metrics.Count(metric.StreamRecordsFailed, n)
	}
	return resp, nil
}

// Image converts a stream record's image (aws-lambda-go's attribute values)
// into the SDK's attribute values that the store decodes.
func Image(in map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(in))
	for k, v := range in {
		av, err := attributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("alert: stream image attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attributeValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, 0, len(l))
		for _, e := range l {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, av)
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := Image(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown data type %v", v.DataType())
}

// EventImage converts an item as the SDK holds it into a stream record's
// image as Lambda delivers it.
func EventImage(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = eventAttr(v)
	}
	return out
}

func eventAttr(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			l = append(l, eventAttr(e))
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(EventImage(v.Value))
	}
	return events.NewNullAttribute()
}
