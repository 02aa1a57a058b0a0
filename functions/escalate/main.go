// Command escalate runs every minute on an EventBridge schedule: it sends due
// alerts, escalates unacknowledged tips and dispatches tips whose stream
// record was lost. It alone guarantees progress.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/metric"
	"tipline/shared/secret"
)

func main() {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	edge.Must(err)
	cfg, err := alert.ConfigFromEnv(getenv, alert.NeedSend)
	edge.Must(err)
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	d, err := alert.Build(cfg, dynamodb.NewFromConfig(awsCfg), log, "")
	edge.Must(err)
	d.WithMetrics(metric.New(os.Stdout, "escalate", nil))
	lambda.Start(sweep(d, log))
}

// sweep is the scheduled handler: one sweep, its counts logged, its errors
// returned so that they surface in the function's error metric.
func sweep(d *alert.Dispatcher, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		res, err := d.Sweep(ctx)
		log.Info("sweep done", "alerts", res.Alerts, "escalations", res.Escalations, "dispatched", res.Dispatched)
		return err
	}
}
