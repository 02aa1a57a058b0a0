// Command send-alerts is the DynamoDB Stream consumer that sends pending
// alerts to authorities through Twilio.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
)

func main() {
	a := app.Lambda(config.SendAlerts)
	lambda.Start(app.Must(a.SendAlerts()))
}
