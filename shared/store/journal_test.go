package store_test

import (
	"context"
	"testing"

	"tipline/infra/localdb"
	"tipline/shared/store"
	"tipline/shared/store/storetest"
	"tipline/shared/tip"
)

// TestStoreJournal runs the suite on the embedded engine behind the journal
// serve uses by default, so journalling never changes what a write does.
func TestStoreJournal(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		db, _, err := localdb.Durable(context.Background(), "tipline", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return store.New(db, "tipline", now)
	})
}
