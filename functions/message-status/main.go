// Command message-status is the Lambda behind POST /twilio/status: Twilio's
// delivery status callbacks for alerts, recorded monotonically.
package main

import (
	"context"
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
	cfg, err := alert.ConfigFromEnv(getenv, alert.NeedWebhook)
	edge.Must(err)
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	d, err := alert.Build(cfg, dynamodb.NewFromConfig(awsCfg), log, "")
	edge.Must(err)
	d.WithMetrics(metric.New(os.Stdout, "message-status", nil))
	lambda.Start(edge.APIGateway(d.StatusHandler(cfg.Validator(), cfg.AccountSID)))
}
