package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"tipline"
	"tipline/infra/localdb"
	"tipline/shared/alert"
	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/deadletter"
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
		fake := &fakeapi.Server{AccountSID: account, AuthToken: c.AuthToken, Callbacks: true,
			WebhookURL: c.PublicBaseURL + "/twilio/messages", FallbackURL: c.Local.FallbackURL}
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
		// A reporter's message through the fake: kept in its message log,
		// then delivered to the webhook once, as Twilio does.
		mux.Handle("POST /local/inbound", fake.InboundHandler())
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
	dlq := deadletter.Dir{Path: c.Local.DeadLetters}
	consumers, err := streamConsumers(map[string]streamHandler{
		"DispatchAlertsFunction": d.HandleTipStream,
		"SendAlertsFunction":     d.HandleAlertStream})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	for i, c := range consumers { // Lambda's retries first, then the on-failure destination
		consumers[i].handle = keepFailed(log, dlq, functionNames[c.function], retryFailed(c.filter.retries, streamRetryWait, c.handle))
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		pollStream(ctx, log, db, streams, c.Table, consumers...)
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

// functionNames are the functions/ folder names of the stream consumers,
// by logical id in template.yaml: the names dead letters are kept under.
var functionNames = map[string]string{"DispatchAlertsFunction": "dispatch-alerts", "SendAlertsFunction": "send-alerts"}

// keepFailed is h that also keeps the records it reports failed in the
// local dead-letter folder, as Lambda's on-failure destination does in AWS.
// Records cut short because serve is stopping are not failures: Lambda
// would deliver them again, and here the sweep redoes them.
func keepFailed(log *slog.Logger, dlq deadletter.Dir, function string, h streamHandler) streamHandler {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		resp, err := h(ctx, ev)
		if len(resp.BatchItemFailures) > 0 && ctx.Err() != nil {
			log.Info("stream records cut short by the stop; the sweep redoes them", "function", function, "left", len(resp.BatchItemFailures))
			return resp, err
		}
		if len(resp.BatchItemFailures) > 0 {
			reason := "the handler reported it failed (serve's log has the error by sequence_number)"
			if err := dlq.Add(function, reason, ev, resp.BatchItemFailures); err != nil {
				log.Error("dead letters not kept", "error", err.Error())
			} else {
				log.Warn("stream records kept as dead letters", "function", function, "failed", len(resp.BatchItemFailures), "folder", dlq.Path)
			}
		}
		return resp, err
	}
}

type streamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// retryFailed is h delivering the records it reports failed again, up to
// retries more times, wait(n) after the nth failed delivery, as Lambda does
// for a function with ReportBatchItemFailures and MaximumRetryAttempts. It
// reports the records that failed their last delivery.
func retryFailed(retries int, wait func(int) time.Duration, h streamHandler) streamHandler {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		resp, err := h(ctx, ev)
		for n := 1; n <= retries && len(resp.BatchItemFailures) > 0 && ctx.Err() == nil; n++ {
			failed := map[string]bool{}
			for _, f := range resp.BatchItemFailures {
				failed[f.ItemIdentifier] = true
			}
			again := events.DynamoDBEvent{}
			for _, r := range ev.Records {
				if failed[r.Change.SequenceNumber] {
					again.Records = append(again.Records, r)
				}
			}
			select {
			case <-ctx.Done():
				return resp, err
			case <-time.After(wait(n)):
			}
			ev = again
			resp, err = h(ctx, ev)
		}
		return resp, err
	}
}

// streamRetryWait is how long the local poller waits before delivering
// failed records again: 200 ms, doubling, at most 5 s.
func streamRetryWait(n int) time.Duration {
	return min(200*time.Millisecond<<min(n-1, 5), 5*time.Second)
}

// streamConsumer is one function of the template that reads the table's
// stream: its handler and the FilterCriteria Lambda applies before it.
type streamConsumer struct {
	function string
	filter   streamFilter
	handle   streamHandler
}

// streamConsumers pairs each handler, by the logical id of its function in
// template.yaml, with that function's stream filter, read from the embedded
// template so that the local stream delivers what Lambda would.
func streamConsumers(handlers map[string]streamHandler) ([]streamConsumer, error) {
	filters, err := streamFilters(tipline.Template)
	if err != nil {
		return nil, err
	}
	var out []streamConsumer
	for _, fn := range slices.Sorted(maps.Keys(handlers)) {
		f, ok := filters[fn]
		if !ok {
			return nil, fmt.Errorf("template.yaml has no DynamoDB stream event on %s", fn)
		}
		out = append(out, streamConsumer{function: fn, filter: f, handle: handlers[fn]})
	}
	return out, nil
}

// pollStream reads the table's stream from its oldest record and hands each
// batch to each consumer, keeping the records its filter passes, as
// Lambda's event source mappings would (DynamoDB Local has none). A record
// a consumer reports failed is left to the sweep.
func pollStream(ctx context.Context, log *slog.Logger, db *dynamodb.Client, streams *dynamodbstreams.Client, table string, consumers ...streamConsumer) {
	var arn *string
	for arn == nil {
		desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// DynamoDB unreachable for now: the sweep carries on meanwhile.
			log.Warn("stream not read yet: table not described; trying again", "table", table, "error", err.Error())
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		case desc.Table.LatestStreamArn == nil:
			log.Error("table has no stream: alerts rely on the sweep", "table", table)
			return
		default:
			arn = desc.Table.LatestStreamArn
		}
	}
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
				rec, err := localdb.EventRecord(r, aws.ToString(arn))
				if err != nil {
					log.Warn("stream record unreadable; the sweep will redo it", "error", err.Error())
					continue
				}
				ev.Records = append(ev.Records, rec)
			}
			for _, c := range consumers {
				batch := c.filter.Apply(ev)
				if len(batch.Records) == 0 {
					continue
				}
				resp, err := c.handle(ctx, batch)
				if (err != nil || len(resp.BatchItemFailures) > 0) && ctx.Err() == nil {
					log.Warn("stream records failed; the sweep will redo them", "function", c.function, "failed", len(resp.BatchItemFailures))
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}
