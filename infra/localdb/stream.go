package localdb

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// EventRecord converts a record read from a table's stream with the SDK into
// the shape Lambda delivers to stream functions, so the local stack hands
// the same handlers what AWS would.
func EventRecord(r streamtypes.Record, arn string) (events.DynamoDBEventRecord, error) {
	out := events.DynamoDBEventRecord{EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), AWSRegion: aws.ToString(r.AwsRegion),
		EventSourceArn: arn}
	c := r.Dynamodb
	if c == nil {
		return out, nil
	}
	var images [3]map[string]events.DynamoDBAttributeValue
	for i, in := range []map[string]streamtypes.AttributeValue{c.Keys, c.NewImage, c.OldImage} {
		if in == nil {
			continue
		}
		item, err := attributevalue.FromDynamoDBStreamsMap(in)
		if err != nil {
			return out, fmt.Errorf("localdb: stream record %s: %w", aws.ToString(r.EventID), err)
		}
		images[i] = EventImage(item)
	}
	out.Change = events.DynamoDBStreamRecord{Keys: images[0], NewImage: images[1], OldImage: images[2],
		SequenceNumber: aws.ToString(c.SequenceNumber), SizeBytes: aws.ToInt64(c.SizeBytes), StreamViewType: string(c.StreamViewType)}
	if c.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *c.ApproximateCreationDateTime}
	}
	return out, nil
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
