package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client used here.
type SQSAPI interface {
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// StreamsAPI is the part of the DynamoDB Streams client used here.
type StreamsAPI interface {
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// SQS is the alerts dead-letter queue in AWS. Lambda's on-failure
// destination of a stream event source puts there an invocation record
// naming the shard and the range of sequence numbers of the failed batch;
// the records themselves are read back from the table's stream, which
// keeps them 24 hours.
//
// https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
type SQS struct {
	Client  SQSAPI
	URL     string
	Streams StreamsAPI
	// Hide is how long a letter read stays hidden from other readers (2 minutes when 0).
	Hide time.Duration
}

// invocationRecord is what Lambda sends the on-failure destination.
type invocationRecord struct {
	RequestContext struct {
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode    int    `json:"statusCode"`
		FunctionError string `json:"functionError"`
	} `json:"responseContext"`
	Timestamp string `json:"timestamp"`
	Batch     *struct {
		ShardID             string `json:"shardId"`
		StartSequenceNumber string `json:"startSequenceNumber"`
		EndSequenceNumber   string `json:"endSequenceNumber"`
		BatchSize           int    `json:"batchSize"`
		StreamArn           string `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}

// Letters implements Queue: it receives every message (hidden meanwhile),
// and reads each one's records from the stream.
func (q *SQS) Letters(ctx context.Context) ([]Letter, error) {
	hide := q.Hide
	if hide <= 0 {
		hide = 2 * time.Minute
	}
	var out []Letter
	seen := map[string]bool{}
	for {
		resp, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), MaxNumberOfMessages: 10,
			VisibilityTimeout: int32(hide / time.Second), WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp}})
		if err != nil {
			return out, fmt.Errorf("deadletter: receive from %s: %w", q.URL, err)
		}
		if len(resp.Messages) == 0 {
			return out, nil
		}
		fresh := 0
		for _, m := range resp.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id], fresh = true, fresh+1
			l, err := q.letter(ctx, m)
			if err != nil {
				return out, err
			}
			out = append(out, l)
		}
		if fresh == 0 {
			return out, nil
		}
	}
}

func (q *SQS) letter(ctx context.Context, m sqstypes.Message) (Letter, error) {
	l := Letter{ID: aws.ToString(m.MessageId), handle: aws.ToString(m.ReceiptHandle)}
	if ms, err := parseMillis(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)]); err == nil {
		l.FailedAt = ms
	}
	var inv invocationRecord
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &inv); err != nil || inv.Batch == nil {
		l.Error = "not a stream invocation record"
		return l, nil
	}
	l.Function = inv.RequestContext.FunctionArn
	if i := strings.LastIndex(l.Function, ":function:"); i >= 0 {
		l.Function = l.Function[i+len(":function:"):]
	}
	l.Error = strings.TrimSpace(inv.RequestContext.Condition + " " + inv.ResponseContext.FunctionError)
	if n := inv.RequestContext.ApproximateInvokeCount; n > 0 {
		l.Error += fmt.Sprintf(" after %d invocations", n)
	}
	if t, err := time.Parse(time.RFC3339, inv.Timestamp); err == nil {
		l.FailedAt = t
	}
	recs, err := q.read(ctx, inv.Batch.StreamArn, inv.Batch.ShardID, inv.Batch.StartSequenceNumber, inv.Batch.EndSequenceNumber)
	var gone *streamtypes.TrimmedDataAccessException
	var missing *streamtypes.ResourceNotFoundException
	var expired *streamtypes.ExpiredIteratorException
	switch {
	case errors.As(err, &gone), errors.As(err, &missing), errors.As(err, &expired):
		l.Expired = true
		return l, nil
	case err != nil:
		return l, fmt.Errorf("deadletter: read the stream records of %s: %w", l.ID, err)
	}
	l.Records = recs
	if len(recs) == 0 {
		l.Expired = true
	}
	return l, nil
}

// read returns the records of a shard from start to end sequence numbers.
func (q *SQS) read(ctx context.Context, arn, shard, start, end string) ([]Record, error) {
	last, ok := new(big.Int).SetString(end, 10)
	if !ok {
		return nil, fmt.Errorf("end sequence number %q", end)
	}
	it, err := q.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(start)})
	if err != nil {
		return nil, err
	}
	var out []Record
	iter := it.ShardIterator
	for calls := 0; iter != nil && calls < 50; calls++ {
		resp, err := q.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(100)})
		if err != nil {
			return nil, err
		}
		if len(resp.Records) == 0 && len(out) > 0 {
			return out, nil // the batch's records were read; nothing newer yet
		}
		for _, r := range resp.Records {
			if r.Dynamodb == nil {
				continue
			}
			seq, ok := new(big.Int).SetString(aws.ToString(r.Dynamodb.SequenceNumber), 10)
			if !ok || seq.Cmp(last) > 0 {
				return out, nil
			}
			out = append(out, recordOf(r))
		}
		iter = resp.NextShardIterator
	}
	return out, nil
}

func recordOf(r streamtypes.Record) Record {
	s := func(k string) string {
		if v, ok := r.Dynamodb.Keys[k].(*streamtypes.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	rec := Record{PK: s("PK"), SK: s("SK"), SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber)}
	rec.TipID, rec.Kind = tipID(rec.PK), kindOf(rec.SK)
	if t := r.Dynamodb.ApproximateCreationDateTime; t != nil {
		rec.At = *t
	}
	return rec
}

func parseMillis(s string) (time.Time, error) {
	var ms int64
	if _, err := fmt.Sscan(s, &ms); err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms).UTC(), nil
}

// Delete implements Queue.
func (q *SQS) Delete(ctx context.Context, l Letter) error {
	_, err := q.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.URL), ReceiptHandle: aws.String(l.handle)})
	if err != nil {
		return fmt.Errorf("deadletter: delete %s: %w", l.ID, err)
	}
	return nil
}

// Release implements Queue.
func (q *SQS) Release(ctx context.Context, l Letter) error {
	_, err := q.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q.URL),
		ReceiptHandle: aws.String(l.handle), VisibilityTimeout: 0})
	if err != nil {
		return fmt.Errorf("deadletter: release %s: %w", l.ID, err)
	}
	return nil
}
