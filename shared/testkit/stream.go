package testkit

import (
	"fmt"
	"sync/atomic"
	"tipline/shared/alert"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var seqNum atomic.Int64

// StreamRecord is the stream record Lambda would deliver for item after an
// event named name (INSERT, MODIFY, REMOVE), in the table's view type
// (NEW_AND_OLD_IMAGES); each record has its own id and sequence number.
func StreamRecord(name string, item map[string]types.AttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb", EventID: fmt.Sprint(seqNum.Add(1)),
		Change: events.DynamoDBStreamRecord{NewImage: alert.EventImage(item), StreamViewType: "NEW_AND_OLD_IMAGES",
			SequenceNumber: fmt.Sprintf("%021d", seqNum.Add(1)),
			Keys:           alert.EventImage(map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]})}}
}
