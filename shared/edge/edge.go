// Package edge connects the tip line's net/http handlers to their callers:
// API Gateway HTTP API events in Lambda (through aws-lambda-go-api-proxy),
// with the Lambda request id in every log record, and JSON logs.
package edge

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Logger returns the JSON logger of a program, at the level named by
// level (debug, info, warn, error; info when empty or unknown).
func Logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	if w == nil {
		w = os.Stdout
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// RequestIDHeader carries the request id from the edge to handlers.
const RequestIDHeader = "X-Request-Id"

// APIGateway returns the Lambda handler for an HTTP API (payload 2.0) that
// serves h. The Lambda request id reaches h in the X-Request-Id header.
func APIGateway(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lc, ok := lambdacontext.FromContext(r.Context()); ok {
			r.Header.Set(RequestIDHeader, lc.AwsRequestID)
		}
		h.ServeHTTP(w, r)
	})
	return httpadapter.NewV2(inner).ProxyWithContext
}

// Must ends a function's start when err is not nil, printing err (which
// names every missing or bad setting) for the function's log. Handlers
// never call it: they answer errors or report batch item failures.
func Must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
