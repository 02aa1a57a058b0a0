// Command receive-message is the Lambda behind POST /twilio/messages: the
// inbound tip line for SMS and WhatsApp.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/edge"
)

func main() {
	a := app.Lambda(config.ReceiveMessage)
	lambda.Start(edge.APIGateway(app.Must(a.Webhook())))
}
