// Command staff-api is the Lambda behind /api/* on the HTTP API (the staff
// review queue, with roles and regions from the Cognito JWT authorizer),
// the staff console under /console/ and the authorities' case page under
// /case/, all on one origin.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/edge"
)

func main() {
	a := app.Lambda(config.StaffAPI)
	lambda.Start(edge.APIGateway(app.Must(a.StaffSite(nil))))
}
