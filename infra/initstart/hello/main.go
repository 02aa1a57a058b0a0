// Command hello is the baseline of infra/initstart: a hello-world
// aws-lambda-go function, to compare every function's start against.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
