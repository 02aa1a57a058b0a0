// Command reconcile-messages runs every five minutes on an EventBridge
// schedule: it reads Twilio's message log for the campaign numbers and
// stores, through the webhook's own intake, every inbound message whose
// webhook failed, answering its reporter once when it is still safe to.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
)

func main() {
	a := app.Lambda(config.ReconcileMessages)
	lambda.Start(app.Must(a.ReconcileMessages()))
}
