package localdb_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
	"tipline/shared/store"
)

// unreachable fails the test for any request that gets past the layer.
type unreachable struct{ t *testing.T }

func (u unreachable) RoundTrip(r *http.Request) (*http.Response, error) {
	u.t.Errorf("request %s reached the engine; want it answered by the conflict layer", r.Header.Get("X-Amz-Target"))
	return nil, errors.New("unreachable")
}

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "X"}}
}

// holdTx keeps a transaction on item pk in flight until the returned
// function is called.
func holdTx(t *testing.T, locks *localdb.Locks, pk string) func() {
	t.Helper()
	started, done := make(chan struct{}), make(chan struct{})
	engine := blockingAPI{started: started, done: done}
	api := localdb.NewConflictAPI(engine, locks)
	go func() {
		_, _ = api.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("t"), Item: key(pk)}},
		}})
	}()
	<-started
	return func() { close(done) }
}

// blockingAPI is an engine whose transactions last until done is closed.
type blockingAPI struct {
	store.API
	started, done chan struct{}
}

func (b blockingAPI) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	close(b.started)
	<-b.done
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func sdkClient(rt http.RoundTripper) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:  &http.Client{Transport: rt}, RetryMaxAttempts: 1,
		// Checksums are validated: the layer's X-Amz-Crc32 must be right.
	})
}

func TestConflictAnswersAsDynamoDB(t *testing.T) {
	locks := localdb.NewLocks()
	release := holdTx(t, locks, "HELD")
	defer release()
	rt := localdb.NewTransport(locks, unreachable{t})
	c := sdkClient(rt)
	ctx := context.Background()

	t.Run("an overlapping transaction is cancelled with a reason per item", func(t *testing.T) {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("t"), Item: key("FREE")}},
			{Update: &types.Update{TableName: aws.String("t"), Key: key("HELD"), UpdateExpression: aws.String("SET a = :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberN{Value: "1"}}}},
		}})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("error = %v, want TransactionCanceledException", err)
		}
		got := []string{}
		for _, r := range tce.CancellationReasons {
			got = append(got, aws.ToString(r.Code)+"/"+aws.ToString(r.Message))
		}
		want := []string{"None/", "TransactionConflict/Transaction is ongoing for the item"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("reasons = %v, want %v", got, want)
		}
		if m := aws.ToString(tce.Message); m != "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]" {
			t.Errorf("message = %q", m)
		}
	})
	for _, op := range []string{"PutItem", "UpdateItem", "DeleteItem"} {
		t.Run("an overlapping "+op+" fails with TransactionConflictException", func(t *testing.T) {
			var err error
			switch op {
			case "PutItem":
				_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key("HELD")})
			case "UpdateItem":
				_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("HELD"), UpdateExpression: aws.String("REMOVE a")})
			case "DeleteItem":
				_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("HELD")})
			}
			var tcf *types.TransactionConflictException
			if !errors.As(err, &tcf) || aws.ToString(tcf.Message) != "Transaction is ongoing for the item" {
				t.Errorf("error = %v, want TransactionConflictException", err)
			}
		})
	}
	t.Run("the answer is DynamoDB's, byte for byte", func(t *testing.T) {
		body := `{"TransactItems":[{"ConditionCheck":{"TableName":"t","Key":{"PK":{"S":"HELD"},"SK":{"S":"X"}},"ConditionExpression":"attribute_exists(PK)"}},{"Put":{"TableName":"t","Item":{"PK":{"S":"B"},"SK":{"S":"X"}}}}]}`
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.TransactWriteItems")
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		want := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}],"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]"}`
		if string(b) != want {
			t.Errorf("body = %s\nwant   %s", b, want)
		}
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" ||
			resp.Header.Get("X-Amz-Crc32") != strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10) || len(resp.Header.Get("X-Amzn-Requestid")) != 52 {
			t.Errorf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("the in-process layer returns what the SDK decodes", func(t *testing.T) {
		api := localdb.NewConflictAPI(blockingAPI{}, locks)
		_, err := api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key("HELD")})
		var tcf *types.TransactionConflictException
		if !errors.As(err, &tcf) || tcf.ErrorCode() != "TransactionConflictException" {
			t.Errorf("error = %v, want TransactionConflictException", err)
		}
		_, err = api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("t"), Item: key("HELD")}}}})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) || len(tce.CancellationReasons) != 1 || aws.ToString(tce.CancellationReasons[0].Code) != "TransactionConflict" {
			t.Errorf("error = %v, want TransactionCanceledException [TransactionConflict]", err)
		}
	})
}

func TestConflictReleasedAfterTransaction(t *testing.T) {
	locks := localdb.NewLocks()
	release := holdTx(t, locks, "HELD")
	release()
	api := localdb.NewConflictAPI(putOK{}, locks)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := api.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key("HELD")})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PutItem after the transaction ended: %v, want success", err)
		}
		time.Sleep(time.Millisecond)
	}
}

type putOK struct{ store.API }

func (putOK) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}

// engines are the two engines behind the conflict layer: the embedded one
// always, DynamoDB Local when DYNAMODB_ENDPOINT is set.
func engines(t *testing.T, locks *localdb.Locks) map[string]func() (store.API, string) {
	ctx := context.Background()
	out := map[string]func() (store.API, string){
		"embedded": func() (store.API, string) {
			db, err := localdb.Embedded(ctx, "tipline")
			if err != nil {
				t.Fatal(err)
			}
			return localdb.NewConflictAPI(db, locks), "tipline"
		},
	}
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		out["DynamoDB Local"] = func() (store.API, string) {
			c, _, err := localdb.Client(ctx, ep, localdb.WithConflicts(locks))
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("conflict_%d", time.Now().UnixNano())
			if err := localdb.Ensure(ctx, c, name); err != nil {
				t.Fatal(err)
			}
			return c, name
		}
	}
	return out
}

// TestConcurrentTransactionsOnOneItem: transactions that all update one
// shared item, as the campaign counters once did, are cancelled with
// TransactionConflict while another is in flight; exactly the committed
// ones are counted.
func TestConcurrentTransactionsOnOneItem(t *testing.T) {
	locks := localdb.NewLocks()
	locks.Hold = 5 * time.Millisecond
	for name, open := range engines(t, locks) {
		t.Run("on "+name, func(t *testing.T) {
			db, table := open()
			ctx := context.Background()
			const writers = 12
			var mu sync.Mutex
			committed, conflicts := 0, 0
			var wg sync.WaitGroup
			for i := 0; i < writers; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Put: &types.Put{TableName: &table, Item: key(fmt.Sprintf("OWN#%d", i))}},
						{Update: &types.Update{TableName: &table, Key: key("SHARED"), UpdateExpression: aws.String("ADD n :one"),
							ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
					}})
					var tce *types.TransactionCanceledException
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						committed++
					case errors.As(err, &tce) && aws.ToString(tce.CancellationReasons[1].Code) == "TransactionConflict":
						conflicts++
					default:
						t.Errorf("transaction %d: %v", i, err)
					}
				}(i)
			}
			wg.Wait()
			out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key("SHARED"), ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			n, _ := out.Item["n"].(*types.AttributeValueMemberN)
			if committed+conflicts != writers || conflicts == 0 || n == nil || n.Value != strconv.Itoa(committed) {
				t.Errorf("committed %d, conflicts %d, counter %v; want %d in all, some conflicts, counter = committed", committed, conflicts, out.Item["n"], writers)
			}
		})
	}
}
