// Command receive-message is the Lambda behind POST /twilio/messages: the
// inbound tip line for SMS and WhatsApp.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/edge"
	"tipline/shared/intake"
)

func main() {
	cfg, err := intake.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "aws configuration:", err)
		os.Exit(1)
	}
	h, err := intake.Build(cfg, dynamodb.NewFromConfig(awsCfg), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(edge.APIGateway(h))
}
