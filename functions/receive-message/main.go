// Command receive-message is the Lambda behind POST /twilio/messages: the
// inbound tip line for SMS and WhatsApp.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/metric"
	"tipline/shared/secret"
)

func main() {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	edge.Must(err)
	cfg, err := intake.ConfigFromEnv(getenv)
	edge.Must(err)
	alerts, err := alert.ConfigFromEnv(getenv, 0)
	edge.Must(err)
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	db := dynamodb.NewFromConfig(awsCfg)
	deps, err := intake.Wire(cfg, db, log)
	edge.Must(err)
	d, err := alert.Build(alerts, db, log, "")
	edge.Must(err)
	// Authorities' messages (acknowledgements) and consent answers never become tips.
	deps.Interceptors = append(deps.Interceptors, d.Interceptor())
	deps.AskConsent = alert.NeedsConsent
	deps.Metrics = metric.New(os.Stdout, "receive-message", nil)
	d.WithMetrics(deps.Metrics)
	lambda.Start(edge.APIGateway(intake.New(deps)))
}
