// Command escalate runs every minute on an EventBridge schedule: it sends due
// alerts, escalates unacknowledged tips and dispatches tips whose stream
// record was lost. It alone guarantees progress.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
)

func main() {
	a := app.Lambda(config.Escalate)
	lambda.Start(app.Must(a.Escalate()))
}
