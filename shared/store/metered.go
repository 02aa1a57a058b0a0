package store

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Meter wraps a DynamoDB client and adds up the capacity units its calls
// consume (ReturnConsumedCapacity TOTAL) and the round trips they make, to
// measure what an operation costs. The embedded engine reports no units;
// DynamoDB Local and AWS do. Calls it does not override pass through uncounted.
type Meter struct {
	API
	mu          sync.Mutex
	read, write float64
	calls       int
}

// NewMeter wraps db.
func NewMeter(db API) *Meter { return &Meter{API: db} }

// Units returns the read and write capacity units consumed so far, and the
// number of calls (round trips) made.
func (m *Meter) Units() (read, write float64, calls int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.read, m.write, m.calls
}

// Reset sets the counters to zero.
func (m *Meter) Reset() { m.mu.Lock(); m.read, m.write, m.calls = 0, 0, 0; m.mu.Unlock() }

// add counts one call (a failed call is a round trip too) and, when it
// succeeded, its consumed capacity, as reads or as writes.
func (m *Meter) add(write bool, err error, consumed func() []types.ConsumedCapacity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if err != nil {
		return
	}
	for _, c := range consumed() {
		if c.CapacityUnits == nil {
			continue
		}
		if write {
			m.write += *c.CapacityUnits
		} else {
			m.read += *c.CapacityUnits
		}
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// GetItem implements API.
func (m *Meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.GetItem(ctx, in, o...)
	m.add(false, err, func() []types.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

// PutItem implements API.
func (m *Meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.PutItem(ctx, in, o...)
	m.add(true, err, func() []types.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

// UpdateItem implements API.
func (m *Meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.UpdateItem(ctx, in, o...)
	m.add(true, err, func() []types.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

// Query implements API.
func (m *Meter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.Query(ctx, in, o...)
	m.add(false, err, func() []types.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

// TransactWriteItems implements API.
func (m *Meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.TransactWriteItems(ctx, in, o...)
	m.add(true, err, func() []types.ConsumedCapacity { return out.ConsumedCapacity })
	return out, err
}

// DeleteItem implements API.
func (m *Meter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.DeleteItem(ctx, in, o...)
	m.add(true, err, func() []types.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

// BatchGetItem implements API.
func (m *Meter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.API.BatchGetItem(ctx, in, o...)
	m.add(false, err, func() []types.ConsumedCapacity { return out.ConsumedCapacity })
	return out, err
}
