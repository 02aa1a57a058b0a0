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

// conflictLocks hold the suite's transactions a little, as DynamoDB's
// commit takes tens of milliseconds, so that concurrent cases meet.
func conflictLocks() *localdb.Locks {
	l := localdb.NewLocks()
	l.Hold = 2 * time.Millisecond
	return l
}

// TestStoreEmbedded runs the suite on the embedded engine behind the
// conflict layer (DynamoDB's transaction conflict rules).
func TestStoreEmbedded(t *testing.T) {
	locks := conflictLocks()
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		db, err := localdb.Embedded(context.Background(), "tipline")
		if err != nil {
			t.Fatal(err)
		}
		return store.New(localdb.NewConflictAPI(db, locks), "tipline", now)
	})
}

var tables atomic.Int64

// TestStoreDynamoDBLocal runs the suite on DynamoDB Local behind the
// conflict layer when DYNAMODB_ENDPOINT is set (make test sets it).
func TestStoreDynamoDBLocal(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_ENDPOINT not set: run make test for DynamoDB Local")
	}
	ctx := context.Background()
	db, _, err := localdb.Client(ctx, endpoint, localdb.WithConflicts(conflictLocks()))
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
