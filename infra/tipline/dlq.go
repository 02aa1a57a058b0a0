package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/schollz/progressbar/v3"

	"tipline/infra/localdb"
	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/deadletter"
	"tipline/shared/edge"
	"tipline/shared/secret"
)

const dlqUsage = `usage:
  tipline dlq list    [-queue URL|DIR]
  tipline dlq redrive [-queue URL|DIR] [flags]

Stream records the alert functions gave up on: each with its tip id, the
kind of item (tip or alert), why it failed and its age (never a body or a
number). redrive sends each record's item, as it is now in the table,
through the same handler as dispatch-alerts or send-alerts; a letter is
deleted once its records went through, so a second run does nothing.

-queue is the alerts dead-letter queue's URL (the stack's output
AlertsDeadLetterQueueUrl; then the environment is the send-alerts
function's: TABLE_NAME, SECRET_ID or TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID,
PUBLIC_BASE_URL, ALERT_FROM, ...), or the folder where serve keeps the
records it failed locally (the default).
`

// defaultDeadLetters is where serve keeps failed stream records.
func defaultDeadLetters() string {
	return filepath.Join(filepath.Dir(defaultKeyFile()), "dead-letters")
}

type dlqConfig struct {
	queue, endpoint, table, apiURL, publicURL, from string
	dropExpired                                     bool
}

func runDLQ(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "redrive") {
		fmt.Fprint(stderr, dlqUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "help") {
			return nil
		}
		return errors.New("dlq: say list or redrive")
	}
	verb := args[0]
	fs := flag.NewFlagSet("dlq "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, dlqUsage); fs.PrintDefaults() }
	var c dlqConfig
	fs.StringVar(&c.queue, "queue", defaultDeadLetters(), "the dead-letter queue's URL (https://sqs...), or serve's dead-letter folder")
	fs.StringVar(&c.endpoint, "dynamodb-endpoint", envOr("DYNAMODB_ENDPOINT", ""), "locally: the DynamoDB endpoint serve ran with")
	fs.StringVar(&c.table, "table", envOr("TABLE_NAME", "tipline"), "locally: the table")
	fs.StringVar(&c.apiURL, "twilio-api-url", "", "locally: Twilio API base URL for alerts (serve's log names its fake's as twilio_api)")
	fs.StringVar(&c.publicURL, "public-url", "http://localhost:8080", "locally: serve's public base URL (status callbacks)")
	fs.StringVar(&c.from, "alert-from", envOr("ALERT_FROM", "+51900000000"), "locally: number alerts are sent from")
	fs.BoolVar(&c.dropExpired, "drop-expired", false, "redrive: delete letters whose records left the stream (the sweep covered them)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	ctx := context.Background()
	if verb == "list" {
		q, err := openQueue(ctx, c)
		if err != nil {
			return err
		}
		return listLetters(ctx, q, stdout, time.Now())
	}
	x, q, err := openRedriver(ctx, c)
	if err != nil {
		return err
	}
	x.DropExpired = c.dropExpired
	return redrive(ctx, x, q, stdout, stderr)
}

func isSQS(queue string) bool { return strings.HasPrefix(queue, "https://") }

// openQueue opens the queue alone (list needs no handlers).
func openQueue(ctx context.Context, c dlqConfig) (deadletter.Queue, error) {
	if !isSQS(c.queue) {
		return deadletter.Dir{Path: c.queue}, nil
	}
	awsCfg, _, err := secret.Load(ctx, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	return &deadletter.SQS{Client: sqs.NewFromConfig(awsCfg), URL: c.queue, Streams: dynamodbstreams.NewFromConfig(awsCfg)}, nil
}

// openRedriver builds the handlers as the functions build them, through
// the composition root: from the send-alerts environment in AWS, from
// flags and serve's local settings locally.
func openRedriver(ctx context.Context, c dlqConfig) (*deadletter.Redriver, deadletter.Queue, error) {
	log := edge.Logger(io.Discard, "error")
	if isSQS(c.queue) {
		awsCfg, getenv, err := secret.Load(ctx, os.Getenv)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := config.FromEnv(getenv, config.SendAlerts)
		if err != nil {
			return nil, nil, fmt.Errorf("dlq redrive: the send-alerts environment: %w", err)
		}
		db := dynamodb.NewFromConfig(awsCfg)
		a := app.New(cfg, config.SendAlerts, app.Clients{DB: db, Log: log})
		q := &deadletter.SQS{Client: sqs.NewFromConfig(awsCfg), URL: c.queue, Streams: dynamodbstreams.NewFromConfig(awsCfg)}
		x, err := redriver(a, db)
		return x, q, err
	}
	if c.endpoint == "" {
		return nil, nil, errors.New("dlq redrive: local dead letters come from serve -dynamodb-endpoint: give the same -dynamodb-endpoint")
	}
	db, _, err := localdb.Client(ctx, c.endpoint)
	if err != nil {
		return nil, nil, err
	}
	cfg := config.Default()
	cfg.Table, cfg.AlertFrom, cfg.PublicBaseURL = c.table, c.from, strings.TrimRight(c.publicURL, "/")
	cfg.AccountSID, cfg.AuthToken = envOr("TWILIO_ACCOUNT_SID", localAccountSID), envOr("TWILIO_AUTH_TOKEN", config.LocalAuthToken)
	needs := config.DispatchAlerts // without a Twilio API, alerts cannot be sent: their letters stay
	if c.apiURL != "" {
		cfg.TwilioAPIURL, needs = c.apiURL, config.SendAlerts
	}
	if err := cfg.Validate(needs); err != nil {
		return nil, nil, fmt.Errorf("dlq redrive: %w", err)
	}
	x, err := redriver(app.New(cfg, needs, app.Clients{DB: db, Log: log}), db)
	return x, deadletter.Dir{Path: c.queue}, err
}

// redriver hands records to the same handlers as dispatch-alerts and send-alerts.
func redriver(a *app.App, db deadletter.Getter) (*deadletter.Redriver, error) {
	tips, err := a.DispatchAlerts()
	if err != nil {
		return nil, err
	}
	alerts, err := a.SendAlerts()
	if err != nil {
		return nil, err
	}
	return &deadletter.Redriver{DB: db, Table: a.Config().Table, Tip: deadletter.Handler(tips), Alert: deadletter.Handler(alerts)}, nil
}

// listLetters prints one line per failed record.
func listLetters(ctx context.Context, q deadletter.Queue, stdout io.Writer, now time.Time) error {
	letters, err := q.Letters(ctx)
	for _, l := range letters {
		if rerr := q.Release(ctx, l); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return err
	}
	if len(letters) == 0 {
		fmt.Fprintln(stdout, "no dead letters")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "AGE\tKIND\tTIP\tFUNCTION\tERROR")
	n := 0
	for _, l := range letters {
		age := now.Sub(l.FailedAt).Round(time.Second).String()
		if l.Expired {
			fmt.Fprintf(w, "%s\t-\t-\t%s\t%s (records left the stream)\n", age, l.Function, l.Error)
			n++
			continue
		}
		for _, r := range l.Records {
			if !r.At.IsZero() {
				age = now.Sub(r.At).Round(time.Second).String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", age, r.Kind, r.TipID, l.Function, l.Error)
			n++
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d dead letters, %d records\n", len(letters), n)
	return nil
}

func redrive(ctx context.Context, x *deadletter.Redriver, q deadletter.Queue, stdout, stderr io.Writer) error {
	var bar *progressbar.ProgressBar
	x.Progress = func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("dead letters"),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(done)
	}
	res, err := x.Redrive(ctx, q)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	if res.Letters == 0 {
		fmt.Fprintln(stdout, "no dead letters: nothing to do")
		return nil
	}
	fmt.Fprintf(stdout, "%d dead letters: %d records redriven, %d failed again, %d expired; %d letters deleted\n",
		res.Letters, res.Redriven, res.Failed, res.Expired, res.Deleted)
	if res.Failed > 0 {
		return fmt.Errorf("dlq redrive: %d records failed again and were kept (see dlq list; without -twilio-api-url locally, alerts cannot be sent)", res.Failed)
	}
	if res.Expired > 0 && !x.DropExpired {
		return fmt.Errorf("dlq redrive: %d letters' records left the stream and were kept; -drop-expired deletes them", res.Expired)
	}
	return nil
}
