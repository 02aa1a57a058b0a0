package store_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/store"
	"tipline/shared/store/storetest"
	"tipline/shared/tip"
)

func TestStoreEmbedded(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		db, err := localdb.Embedded(context.Background(), "tipline")
		if err != nil {
			t.Fatal(err)
		}
		return store.New(db, "tipline", now)
	})
}

var tables atomic.Int64

// TestStoreDynamoDBLocal runs the suite on DynamoDB Local when
// DYNAMODB_ENDPOINT is set (make test sets it).
func TestStoreDynamoDBLocal(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_ENDPOINT not set: run make test for DynamoDB Local")
	}
	ctx := context.Background()
	db, _, err := localdb.Client(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		name := fmt.Sprintf("suite_%d_%d", time.Now().UnixNano(), tables.Add(1))
		if err := localdb.Ensure(ctx, db, name); err != nil {
			t.Fatal(err)
		}
		return store.New(db, name, now)
	})
}
