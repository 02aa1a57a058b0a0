// Package localdb gives the local stack and the tests a DynamoDB: the
// embedded engine in-process, or a DynamoDB endpoint (DynamoDB Local or AWS),
// with the tip line's table created when missing.
package localdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"tipline/infra/table"
	"tipline/shared/store"
)

// Embedded returns the in-process engine with table name created.
func Embedded(ctx context.Context, name string) (*Engine, error) {
	def, err := table.Load()
	if err != nil {
		return nil, err
	}
	e := &Engine{Client: minidyn.NewClient(), trial: minidyn.NewClient()}
	for _, c := range []*minidyn.Client{e.Client, e.trial} {
		if _, err := c.CreateTable(ctx, def.CreateInput(name)); err != nil {
			return nil, fmt.Errorf("localdb: create table %s: %w", name, err)
		}
	}
	return e, nil
}

// Engine is the embedded engine (github.com/truora/minidyn) with a
// workaround for a fault of its v0.8.2: a TransactWriteItems that fails
// restores a snapshot of the table whose deep copy drops empty lists and
// maps (deepCopyTypesItem copies L and M only when they are non-empty), so
// every item holding [] (a tip's indicators, a route's targets) is left
// with an attribute of no type, and every read of it fails with
// ValidationException from then on. Engine first runs each transaction on
// a trial table holding just the items it names, and runs it on the real
// table only when it succeeds there, so the real table never restores a
// snapshot. Writes are serialized (the engine serializes them anyway), so
// nothing changes between the trial and the real run.
type Engine struct {
	*minidyn.Client
	trial *minidyn.Client
	mu    sync.Mutex
}

// TransactWriteItems implements store.API.
func (e *Engine) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	type target struct {
		table  string
		key    map[string]types.AttributeValue
		allOld bool // ReturnValuesOnConditionCheckFailure ALL_OLD
		cur    map[string]types.AttributeValue
	}
	const allOld = types.ReturnValuesOnConditionCheckFailureAllOld
	var targets []target
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			targets = append(targets, target{table: aws.ToString(it.Put.TableName), key: keyOf(it.Put.Item),
				allOld: it.Put.ReturnValuesOnConditionCheckFailure == allOld})
		case it.Update != nil:
			targets = append(targets, target{table: aws.ToString(it.Update.TableName), key: it.Update.Key,
				allOld: it.Update.ReturnValuesOnConditionCheckFailure == allOld})
		case it.Delete != nil:
			targets = append(targets, target{table: aws.ToString(it.Delete.TableName), key: it.Delete.Key,
				allOld: it.Delete.ReturnValuesOnConditionCheckFailure == allOld})
		case it.ConditionCheck != nil:
			targets = append(targets, target{table: aws.ToString(it.ConditionCheck.TableName), key: it.ConditionCheck.Key,
				allOld: it.ConditionCheck.ReturnValuesOnConditionCheckFailure == allOld})
		}
	}
	defer func() {
		for _, t := range targets {
			_, _ = e.trial.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &t.table, Key: t.key})
		}
	}()
	for i, t := range targets {
		cur, err := e.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.table, Key: t.key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, err
		}
		targets[i].cur = cur.Item
		if len(cur.Item) > 0 {
			if _, err := e.trial.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.table, Item: cur.Item}); err != nil {
				return nil, err
			}
		}
	}
	if _, err := e.trial.TransactWriteItems(ctx, in, o...); err != nil {
		// minidyn returns the item a failed condition found for a
		// ConditionCheck only; DynamoDB does for every action that asks.
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			for i, r := range tce.CancellationReasons {
				if i < len(targets) && targets[i].allOld && aws.ToString(r.Code) == "ConditionalCheckFailed" && len(r.Item) == 0 {
					tce.CancellationReasons[i].Item = targets[i].cur
				}
			}
		}
		return nil, err
	}
	return e.Client.TransactWriteItems(ctx, in, o...)
}

// PutItem implements store.API.
func (e *Engine) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Client.PutItem(ctx, in, o...)
}

// UpdateItem implements store.API.
func (e *Engine) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Client.UpdateItem(ctx, in, o...)
}

// DeleteItem implements store.API.
func (e *Engine) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Client.DeleteItem(ctx, in, o...)
}

// keyOf is the key attributes of the tip line's table (PK, SK) in item.
func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{}
	for _, n := range []string{"PK", "SK"} {
		if v, ok := item[n]; ok {
			k[n] = v
		}
	}
	return k
}

// localAttemptTimeout bounds one request to a local endpoint: DynamoDB
// Local on a loaded machine can take seconds to create a table. Callers
// with a budget (the webhook) bound their calls with their context.
const localAttemptTimeout = 30 * time.Second

// Option changes the client Client builds.
type Option func(*clientOptions)

type clientOptions struct{ locks *Locks }

// WithConflicts puts DynamoDB's transaction conflict rules (Transport) in
// front of the endpoint, with locks.
func WithConflicts(locks *Locks) Option { return func(o *clientOptions) { o.locks = locks } }

// Client returns an SDK client for endpoint, with the store's timeouts and
// retries (store.ClientOptions). For a local endpoint without AWS
// credentials in the environment it uses static local ones (letters and
// digits only, as DynamoDB Local requires) and never asks the instance
// metadata service, so nothing leaves this machine.
func Client(ctx context.Context, endpoint string, options ...Option) (*dynamodb.Client, aws.Config, error) {
	var co clientOptions
	for _, o := range options {
		o(&co)
	}
	var rt http.RoundTripper
	if co.locks != nil {
		rt = NewTransport(co.locks, store.NewTransport())
	}
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, config.WithRegion("us-east-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, cfg, fmt.Errorf("localdb: aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := dynamodb.NewFromConfig(cfg, store.ClientOptions(rt, localAttemptTimeout, nil), func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// DynamoDB Local's error responses carry a CRC32 that does not
			// match; the SDK would warn on every conditional failure.
			o.DisableValidateResponseChecksum = true
		}
	})
	return c, cfg, nil
}

// Ensure creates table name on the client when it does not exist, with its
// time-to-live attribute, and waits until it is active.
func Ensure(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &nf):
		return fmt.Errorf("localdb: describe table %s (is DynamoDB running at that endpoint?): %w", name, err)
	}
	def, err := table.Load()
	if err != nil {
		return err
	}
	if _, err := c.CreateTable(ctx, def.CreateInput(name)); err != nil {
		return fmt.Errorf("localdb: create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 60e9); err != nil {
		return fmt.Errorf("localdb: wait for table %s: %w", name, err)
	}
	if def.TimeToLiveAttribute != "" {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(def.TimeToLiveAttribute), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("localdb: time to live on %s: %w", name, err)
		}
	}
	return nil
}
