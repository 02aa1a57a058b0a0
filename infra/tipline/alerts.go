package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"tipline/infra/localdb"
	"tipline/shared/alert"
	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

// localAccountSID is the fake API's account: letters and digits, as
// twilio-go requires of credentials.
const localAccountSID = "AC00000000000000000000000000000000"

// startTwilio returns the Twilio sender of the local stack: to the API at
// TWILIO_API_URL, else to a built-in fake whose outbox is GET /local/outbox
// (manual forwards and staff replies appear there too).
//
// With the fake it also returns the client the staff API fetches media
// with, which takes api.twilio.com to the fake's media (see media.go).
func startTwilio(ctx context.Context, c config.Config, log *slog.Logger, mux *http.ServeMux, wg *sync.WaitGroup) (*twilio.Sender, *http.Client, error) {
	account := c.AccountSID
	if account == "" {
		account = localAccountSID
	}
	apiURL := c.TwilioAPIURL
	var mediaFrom *http.Client
	if apiURL == "" {
		fake := &fakeapi.Server{AccountSID: account, AuthToken: c.AuthToken, Callbacks: true}
		media, err := newLocalMedia(c, log, mux, account)
		if err != nil {
			return nil, nil, err
		}
		u, err := serveFake(ctx, log, wg, withMedia(fake, media), fake.Wait)
		if err != nil {
			return nil, nil, err
		}
		apiURL, mediaFrom = u, mediaClient(u)
		mux.Handle("GET /local/outbox", fake.OutboxHandler())
	}
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: account, AuthToken: c.AuthToken, APIURL: apiURL})
	if err != nil {
		return nil, nil, fmt.Errorf("serve: alerts: %w (twilio-auth-token must be letters and digits)", err)
	}
	log.Info("alerts", "outbox", c.PublicBaseURL+"/local/outbox", "twilio_api", apiURL, "escalate_after", c.EscalateCritical.String(),
		"escalate_high_after", c.EscalateHigh.String(), "stream", c.Local.DynamoDBEndpoint != "")
	return sender, mediaFrom, nil
}

// startAlerts runs the alert pipeline's background work in the local stack:
// a sweep every -sweep-every (the escalate function), and with a DynamoDB
// endpoint the table's stream read and handed to the same handlers as
// dispatch-alerts and send-alerts.
func startAlerts(ctx context.Context, c config.Config, a *app.App, log *slog.Logger, wg *sync.WaitGroup) error {
	d, err := a.Dispatcher()
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		sweep(ctx, log, d, c.Local.SweepEvery)
	}()
	if c.Local.DynamoDBEndpoint == "" {
		return nil
	}
	db, cfg, err := localdb.Client(ctx, c.Local.DynamoDBEndpoint)
	if err != nil {
		return err
	}
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(c.Local.DynamoDBEndpoint)
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		pollStream(ctx, log, db, streams, c.Table, d.HandleTipStream, d.HandleAlertStream)
	}()
	return nil
}

// serveFake runs the fake Twilio API on a loopback port until shutdown.
func serveFake(ctx context.Context, log *slog.Logger, wg *sync.WaitGroup, fake http.Handler, wait func()) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("serve: fake Twilio API: %w", err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	wg.Add(1)
	go func() {
		defer wg.Done()
		go func() {
			<-ctx.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("fake Twilio API stopped", "error", err.Error())
		}
		wait()
	}()
	return "http://" + ln.Addr().String(), nil
}

// sweep runs the escalate function's sweep on a ticker until ctx ends.
func sweep(ctx context.Context, log *slog.Logger, d *alert.Dispatcher, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := d.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("sweep failed", "error", err.Error())
		}
		if res.Alerts+res.Escalations+res.Dispatched > 0 {
			log.Debug("sweep", "alerts", res.Alerts, "escalations", res.Escalations, "dispatched", res.Dispatched)
		}
	}
}

type streamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// pollStream reads the table's stream from its oldest record and hands each
// batch to the handlers, as Lambda's event source mappings would (DynamoDB
// Local has none). A record a handler reports failed is left to the sweep.
func pollStream(ctx context.Context, log *slog.Logger, db *dynamodb.Client, streams *dynamodbstreams.Client, table string, handlers ...streamHandler) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil || desc.Table.LatestStreamArn == nil {
		log.Error("stream not found: alerts rely on the sweep", "table", table)
		return
	}
	arn := desc.Table.LatestStreamArn
	iterators := map[string]*string{}
	seen := map[string]bool{}
	var lastDescribe time.Time
	for ctx.Err() == nil {
		if time.Since(lastDescribe) > 10*time.Second || len(iterators) == 0 {
			lastDescribe = time.Now()
			out, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
			if err == nil {
				for _, sh := range out.StreamDescription.Shards {
					id := aws.ToString(sh.ShardId)
					if seen[id] {
						continue
					}
					it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: sh.ShardId,
						ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
					if err != nil {
						continue
					}
					seen[id], iterators[id] = true, it.ShardIterator
				}
			}
		}
		for id, it := range iterators {
			out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(100)})
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("stream read failed", "shard", id, "error", err.Error())
				}
				delete(iterators, id)
				delete(seen, id) // read it again from a fresh iterator
				continue
			}
			if out.NextShardIterator == nil {
				delete(iterators, id) // the shard is closed
			} else {
				iterators[id] = out.NextShardIterator
			}
			if len(out.Records) == 0 {
				continue
			}
			ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(out.Records))}
			for _, r := range out.Records {
				ev.Records = append(ev.Records, eventRecord(r, aws.ToString(arn)))
			}
			for _, h := range handlers {
				resp, err := h(ctx, ev)
				if err != nil || len(resp.BatchItemFailures) > 0 {
					log.Warn("stream records failed; the sweep will redo them", "failed", len(resp.BatchItemFailures))
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// eventRecord converts a record read with the SDK into the shape Lambda
// delivers to stream functions.
func eventRecord(r streamtypes.Record, arn string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), AWSRegion: aws.ToString(r.AwsRegion),
		EventSourceArn: arn}
	if c := r.Dynamodb; c != nil {
		out.Change = events.DynamoDBStreamRecord{Keys: image(c.Keys), NewImage: image(c.NewImage), OldImage: image(c.OldImage),
			SequenceNumber: aws.ToString(c.SequenceNumber), SizeBytes: aws.ToInt64(c.SizeBytes), StreamViewType: string(c.StreamViewType)}
		if c.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *c.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(in map[string]streamtypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if in == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(in))
	for k, v := range in {
		out[k] = attr(v)
	}
	return out
}

func attr(v streamtypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			l = append(l, attr(e))
		}
		return events.NewListAttribute(l)
	case *streamtypes.AttributeValueMemberM:
		return events.NewMapAttribute(image(v.Value))
	}
	return events.NewNullAttribute()
}
