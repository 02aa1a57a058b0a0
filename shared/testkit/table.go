package testkit

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/infra/localdb"
	"tipline/shared/store"
)

var tables atomic.Int64

// Embedded returns the embedded engine with table name created.
func Embedded(t testing.TB, name string) *localdb.Engine {
	t.Helper()
	db, err := localdb.Embedded(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// Local returns DynamoDB Local at DYNAMODB_ENDPOINT with a fresh, empty
// table named after prefix, or false when DYNAMODB_ENDPOINT is not set
// (make test sets it).
func Local(t testing.TB, prefix string) (*dynamodb.Client, string, bool) {
	t.Helper()
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		return nil, "", false
	}
	ctx := context.Background()
	db, _, err := localdb.Client(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano(), tables.Add(1))
	if err := localdb.Ensure(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return db, name, true
}

// Table returns a fresh, empty table and its name: on DynamoDB Local when
// DYNAMODB_ENDPOINT is set, else on the embedded engine.
func Table(t testing.TB, prefix string) (store.API, string) {
	t.Helper()
	if db, name, ok := Local(t, prefix); ok {
		return db, name
	}
	return Embedded(t, prefix), prefix
}
