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

// TestCountersCache: figures recounted within the cache's time are kept;
// after it, a recount sees the tips written since.
func TestCountersCache(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		t.Fatal(err)
	}
	clock := &storetest.Clock{}
	clock.Advance(time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC).Sub(time.Time{}))
	s := store.New(db, "tipline", clock.Now, store.WithCountersCache(30*time.Second))
	put := func(n int) {
		now := clock.Now()
		id := fmt.Sprintf("01CACHE%019d", n)
		err := s.CreateTip(ctx, store.NewTip{
			Tip: &tip.Tip{ID: id, Ref: fmt.Sprintf("C%05d", n), Channel: tip.SMS, Status: tip.StatusTriaged, CampaignID: "camp-cache",
				ReporterKey: "rk-" + id, Text: "x", MessageCount: 1, CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1},
			Message: &tip.Message{SID: "SM" + id, Direction: tip.Inbound, Body: "x", CreatedAt: now}, Reply: "<Response/>"})
		if err != nil {
			t.Fatal(err)
		}
	}
	received := func() int {
		cs, err := s.Counters(ctx, "camp-cache", "", "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range cs {
			n += c.Received
		}
		return n
	}
	put(1)
	if got := received(); got != 1 {
		t.Fatalf("received = %d, want 1", got)
	}
	put(2)
	if got := received(); got != 1 {
		t.Errorf("received within the cache's 30 s = %d, want the cached 1", got)
	}
	clock.Advance(31 * time.Second)
	if got := received(); got != 2 {
		t.Errorf("received after 31 s = %d, want the recount, 2", got)
	}
}
