// Command staff-api is the Lambda behind /api/* on the HTTP API: the staff
// review queue, with roles and regions from the Cognito JWT authorizer.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/metric"
	"tipline/shared/secret"
	"tipline/shared/staff"
)

func main() {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	edge.Must(err)
	cfg, err1 := staff.ConfigFromEnv(getenv)
	alerts, err2 := alert.ConfigFromEnv(getenv, 0) // manual forwards write alerts; send-alerts sends them
	edge.Must(errors.Join(err1, err2))
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	db := dynamodb.NewFromConfig(awsCfg)
	deps, err := staff.Wire(cfg, db, log)
	if err == nil {
		var d *alert.Dispatcher
		if d, err = alert.Build(alerts, db, log, ""); err == nil {
			deps.Forwarder = d.WithMetrics(metric.New(os.Stdout, "staff-api", nil))
		}
	}
	edge.Must(err)
	lambda.Start(edge.APIGateway(staff.New(deps)))
}
