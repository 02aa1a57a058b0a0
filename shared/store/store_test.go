package store_test

import (
	"testing"

	"tipline/shared/store"
	"tipline/shared/store/storetest"
	"tipline/shared/testkit"
	"tipline/shared/tip"
)

func TestStoreEmbedded(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		return store.New(testkit.Embedded(t, "tipline"), "tipline", now)
	})
}

// TestStoreDynamoDBLocal runs the suite on DynamoDB Local when
// DYNAMODB_ENDPOINT is set (make test sets it).
func TestStoreDynamoDBLocal(t *testing.T) {
	if _, _, ok := testkit.Local(t, "suite"); !ok {
		t.Skip("DYNAMODB_ENDPOINT not set: run make test for DynamoDB Local")
	}
	storetest.Run(t, func(t *testing.T, now tip.Clock) *store.Store {
		db, name, _ := testkit.Local(t, "suite")
		return store.New(db, name, now)
	})
}
