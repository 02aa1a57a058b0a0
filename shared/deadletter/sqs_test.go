package deadletter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"tipline/infra/localdb"
	"tipline/shared/deadletter"
)

// queue is an in-memory SQS queue: messages received are hidden until
// deleted or made visible again.
type queue struct {
	mu     sync.Mutex
	bodies map[string]string // id → body
	hidden map[string]bool
}

func (q *queue) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &sqs.ReceiveMessageOutput{}
	for id, body := range q.bodies {
		if q.hidden[id] || len(out.Messages) >= int(in.MaxNumberOfMessages) {
			continue
		}
		q.hidden[id] = in.VisibilityTimeout > 0
		out.Messages = append(out.Messages, sqstypes.Message{MessageId: aws.String(id), ReceiptHandle: aws.String("rh-" + id), Body: aws.String(body),
			Attributes: map[string]string{"SentTimestamp": fmt.Sprint(time.Now().UnixMilli())}})
	}
	return out, nil
}

func (q *queue) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.bodies, strings.TrimPrefix(aws.ToString(in.ReceiptHandle), "rh-"))
	return &sqs.DeleteMessageOutput{}, nil
}

func (q *queue) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.hidden[strings.TrimPrefix(aws.ToString(in.ReceiptHandle), "rh-")] = in.VisibilityTimeout > 0
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// The queue holds what Lambda's on-failure destination writes: batch
// metadata; the records come back from the table's stream (DynamoDB Local's).
func TestSQSLettersAreReadBackFromTheStreamAndRedrivenOnce(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs DynamoDB Local's stream (make test sets DYNAMODB_ENDPOINT)")
	}
	ctx := context.Background()
	db, cfg, err := localdb.Client(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("dlq_%d", time.Now().UnixNano())
	if err := localdb.Ensure(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) })
	item := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "TIP#01TIPSQS"}, "SK": &types.AttributeValueMemberS{Value: "TIP"},
		"type": &types.AttributeValueMemberS{Value: "tip"}, "status": &types.AttributeValueMemberS{Value: "triaged"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil || desc.Table.LatestStreamArn == nil {
		t.Fatalf("no stream: %v", err)
	}
	arn := desc.Table.LatestStreamArn
	sd, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil || len(sd.StreamDescription.Shards) == 0 {
		t.Fatalf("no shard: %v", err)
	}
	shard := sd.StreamDescription.Shards[0].ShardId
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard,
		ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) == 0 {
		t.Fatalf("no stream record: %v", err)
	}
	seq := aws.ToString(recs.Records[0].Dynamodb.SequenceNumber)
	inv, _ := json.Marshal(map[string]any{
		"requestContext":  map[string]any{"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:tipline-DispatchAlertsFunction-X", "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
		"responseContext": map[string]any{"statusCode": 200, "functionError": "Unhandled"},
		"version":         "1.0", "timestamp": time.Now().UTC().Format(time.RFC3339),
		"DDBStreamBatchInfo": map[string]any{"shardId": aws.ToString(shard), "startSequenceNumber": seq, "endSequenceNumber": seq,
			"batchSize": 1, "streamArn": aws.ToString(arn)},
	})
	q := &deadletter.SQS{Client: &queue{bodies: map[string]string{"m1": string(inv)}, hidden: map[string]bool{}}, URL: "https://sqs.local/dlq", Streams: streams}

	letters, err := q.Letters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 || len(letters[0].Records) != 1 {
		t.Fatalf("got letters %+v, want one with one record", letters)
	}
	l := letters[0]
	if r := l.Records[0]; r.TipID != "01TIPSQS" || r.Kind != deadletter.KindTip || l.Function != "tipline-DispatchAlertsFunction-X" ||
		!strings.Contains(l.Error, "RetryAttemptsExhausted") {
		t.Errorf("got letter %+v", l)
	}
	for _, x := range letters {
		if err := q.Release(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	handler := func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			seen = append(seen, r.Change.NewImage["PK"].String()+" "+r.Change.NewImage["status"].String())
		}
		return events.DynamoDBEventResponse{}, nil
	}
	x := &deadletter.Redriver{DB: db, Table: table, Tip: handler, Alert: handler}
	res, err := x.Redrive(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Redriven != 1 || res.Deleted != 1 || len(seen) != 1 || seen[0] != "TIP#01TIPSQS triaged" {
		t.Errorf("first redrive %+v, handler saw %v", res, seen)
	}
	res, err = x.Redrive(ctx, q)
	if err != nil || res.Letters != 0 || len(seen) != 1 {
		t.Errorf("second redrive %+v (%v), handler saw %v; want nothing", res, err, seen)
	}
}
