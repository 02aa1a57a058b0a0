package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/store"
)

// TestClientLogsRetries: a 5xx from DynamoDB is retried by the SDK, and
// the retry is logged with its error code, never the request.
func TestClientLogsRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, store.ClientOptions(nil, 0, log))
	_, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "A"}, "SK": &types.AttributeValueMemberS{Value: "B"}}})
	if err != nil {
		t.Fatalf("GetItem after one 5xx: %v, want the SDK's retry to succeed", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d requests, want 2 (one retry)", calls.Load())
	}
	if got := logs.String(); !strings.Contains(got, `"msg":"dynamodb request retried"`) || !strings.Contains(got, `"reason":"InternalServerError"`) {
		t.Errorf("logs = %s, want the retry with its reason", got)
	}
}
