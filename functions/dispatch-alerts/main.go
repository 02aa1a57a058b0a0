// Command dispatch-alerts is the DynamoDB Stream consumer that routes tips that
// became reportable and writes one alert per contact.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
)

func main() {
	a := app.Lambda(config.DispatchAlerts)
	lambda.Start(app.Must(a.DispatchAlerts()))
}
