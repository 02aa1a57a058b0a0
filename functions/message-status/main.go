// Command message-status is the Lambda behind POST /twilio/status: Twilio's
// delivery status callbacks for alerts, recorded monotonically.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/edge"
)

func main() {
	a := app.Lambda(config.MessageStatus)
	lambda.Start(edge.APIGateway(app.Must(a.MessageStatus())))
}
