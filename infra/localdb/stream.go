package localdb

import (
	"fmt"
	"tipline/shared/alert"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
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
		images[i] = alert.EventImage(item)
	}
	out.Change = events.DynamoDBStreamRecord{Keys: images[0], NewImage: images[1], OldImage: images[2],
		SequenceNumber: aws.ToString(c.SequenceNumber), SizeBytes: aws.ToInt64(c.SizeBytes), StreamViewType: string(c.StreamViewType)}
	if c.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *c.ApproximateCreationDateTime}
	}
	return out, nil
}
