// Command staff-api is the Lambda behind /api/* on the HTTP API: the staff
// review queue, with roles and regions from the Cognito JWT authorizer.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/edge"
	"tipline/shared/staff"
)

func main() {
	cfg, err := staff.ConfigFromEnv(os.Getenv)
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
	deps, err := staff.Wire(cfg, dynamodb.NewFromConfig(awsCfg), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(edge.APIGateway(staff.New(deps)))
}
