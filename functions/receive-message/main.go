// Command receive-message is the Lambda behind POST /twilio/messages: the
// inbound tip line for SMS and WhatsApp.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/secret"
)

func main() {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := intake.ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	alerts, err := alert.ConfigFromEnv(getenv, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	db := dynamodb.NewFromConfig(awsCfg)
	deps, err := intake.Wire(cfg, db, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d, err := alert.Build(alerts, db, log, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Authorities' messages (acknowledgements) and consent answers never become tips.
	deps.Interceptors = append(deps.Interceptors, d.Interceptor())
	deps.AskConsent = alert.NeedsConsent
	lambda.Start(edge.APIGateway(intake.New(deps)))
}
