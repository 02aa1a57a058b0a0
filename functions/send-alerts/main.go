// Command send-alerts is the DynamoDB Stream consumer that sends pending
// alerts to authorities through Twilio.
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
	cfg, err := alert.ConfigFromEnv(getenv, alert.NeedSend)
	edge.Must(err)
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	d, err := alert.Build(cfg, dynamodb.NewFromConfig(awsCfg), log, "")
	edge.Must(err)
	d.WithMetrics(metric.New(os.Stdout, "send-alerts", nil))
	lambda.Start(d.HandleAlertStream)
}
