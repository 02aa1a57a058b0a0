package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"tipline/infra/localdb"
	"tipline/infra/seed"
	"tipline/shared/alert"
	"tipline/shared/reply"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

// alertsModule runs the alert pipeline in the local stack: the seed
// directory loaded on start, the acknowledgement and consent interceptor,
// POST /twilio/status, a sweep every second (the escalate function), and
// with a DynamoDB endpoint the table's stream read and handed to the same
// handlers as dispatch-alerts and send-alerts. Alerts go to a built-in fake
// Twilio API (GET /local/outbox lists them) unless -twilio-api-url is set.
type alertsModule struct {
	fs               *flag.FlagSet
	escalateCritical time.Duration
	escalateHigh     time.Duration
	apiURL           string
	from             string
	campaignContact  string
	sweepEvery       time.Duration
	noSeed           bool
}

// localAccountSID is the fake API's account: letters and digits, as
// twilio-go requires of credentials.
const localAccountSID = "AC00000000000000000000000000000000"

func (m *alertsModule) flags(fs *flag.FlagSet) {
	m.fs = fs
	fs.DurationVar(&m.escalateCritical, "escalate-after", alert.DefaultEscalateCritical, "escalate a critical tip to the next tier when nobody acknowledged it within this time")
	fs.DurationVar(&m.escalateHigh, "escalate-high-after", 0, "the same for high tips (default six times -escalate-after)")
	fs.StringVar(&m.apiURL, "twilio-api-url", "", "Twilio API base URL for alerts; empty runs a built-in fake whose outbox is GET /local/outbox")
	fs.StringVar(&m.from, "alert-from", envOr("ALERT_FROM", "+51900000000"), "number alerts are sent from (env ALERT_FROM)")
	fs.StringVar(&m.campaignContact, "campaign-contact", envOr("CAMPAIGN_CONTACT", "Equipo Tipline +51900000999"), "follow-up contact printed in alerts (env CAMPAIGN_CONTACT)")
	fs.DurationVar(&m.sweepEvery, "sweep-every", time.Second, "how often the sweeper runs (the escalate function runs every minute in AWS)")
	fs.BoolVar(&m.noSeed, "no-seed", false, "do not load the seed authorities and routing rules (infra/seed) on start")
}

func (m *alertsModule) start(s *stack) error {
	if m.escalateHigh <= 0 {
		m.escalateHigh = 6 * m.escalateCritical
	}
	if !m.noSeed {
		a, r, err := seed.Load(s.ctx, s.store)
		if err != nil {
			return fmt.Errorf("serve: seed: %w", err)
		}
		s.log.Info("seed loaded", "authorities", a, "rules", r)
	}
	account, token := s.intake.AccountSID, flagValue(m.fs, "twilio-auth-token")
	if account == "" {
		account = localAccountSID
	}
	apiURL := m.apiURL
	if apiURL == "" {
		fake := &fakeapi.Server{AccountSID: account, AuthToken: token, Callbacks: true}
		media, err := newLocalMedia(s, account, token)
		if err != nil {
			return err
		}
		u, err := m.serveFake(s, withMedia(fake, media), fake.Wait)
		if err != nil {
			return err
		}
		apiURL, s.fakeURL = u, u
		s.mux.Handle("GET /local/outbox", fake.OutboxHandler())
	}
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: account, AuthToken: token, APIURL: apiURL})
	if err != nil {
		return fmt.Errorf("serve: alerts: %w (twilio-auth-token must be letters and digits)", err)
	}
	texts, err := alert.LoadTexts()
	if err != nil {
		return err
	}
	book, err := reply.Load()
	if err != nil {
		return err
	}
	grace := time.Duration(0) // no stream with the embedded engine: the sweep is the pipeline
	if s.endpoint != "" {
		grace = 3 * time.Second // leave the stream its chance, as in AWS
	}
	d := alert.New(alert.Config{
		From: m.from, StatusCallbackURL: s.publicURL + "/twilio/status", CampaignContact: m.campaignContact,
		EscalateCritical: m.escalateCritical, EscalateHigh: m.escalateHigh, Grace: grace, Lease: 30 * time.Second,
	}, alert.Deps{Store: s.store, Messenger: sender, Texts: texts, Replies: book, Log: s.log})
	s.sender, s.dispatcher = sender, d
	s.intake.Interceptors = append(s.intake.Interceptors, d.Interceptor())
	s.intake.AskConsent = alert.NeedsConsent
	s.mux.Handle("/twilio/status", d.StatusHandler(s.intake.Validator, s.intake.AccountSID))

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m.sweep(s.ctx, s.log, d)
	}()
	if s.endpoint != "" {
		db, cfg, err := localdb.Client(s.ctx, s.endpoint)
		if err != nil {
			return err
		}
		streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
			o.BaseEndpoint = aws.String(s.endpoint)
		})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			pollStream(s.ctx, s.log, db, streams, s.table, d.HandleTipStream, d.HandleAlertStream)
		}()
	}
	s.log.Info("alerts", "outbox", s.publicURL+"/local/outbox", "twilio_api", apiURL, "escalate_after", m.escalateCritical.String(),
		"escalate_high_after", m.escalateHigh.String(), "stream", s.endpoint != "")
	return nil
}

// serveFake runs the fake Twilio API on a loopback port until shutdown.
func (m *alertsModule) serveFake(s *stack, fake http.Handler, wait func()) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("serve: fake Twilio API: %w", err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		go func() {
			<-s.ctx.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fake Twilio API stopped", "error", err.Error())
		}
		wait()
	}()
	return "http://" + ln.Addr().String(), nil
}

// sweep runs the escalate function's sweep on a ticker until ctx ends.
func (m *alertsModule) sweep(ctx context.Context, log *slog.Logger, d *alert.Dispatcher) {
	t := time.NewTicker(m.sweepEvery)
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
