package localdb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
	"tipline/shared/store"
)

// After a TransactWriteItems that fails its condition, minidyn restores the
// table from a copy that drops the type of empty lists and maps; the
// engine must keep answering, and what was written must read back as
// written (minidyn gives an empty list or map as NULL, which the store's
// attributevalue decoding reads as empty, as it reads DynamoDB's).
func TestEmptyListsSurviveAFailedTransaction(t *testing.T) {
	ctx := context.Background()
	// Each case has an engine of its own: minidyn's failed transaction
	// spoils every item of its table, whichever case wrote it.
	for name, bare := range map[string]bool{"the engine": false, "minidyn alone (for the upstream report)": true} {
		t.Run(name, func(t *testing.T) {
			e, err := localdb.Embedded(ctx, "tipline")
			if err != nil {
				t.Fatal(err)
			}
			var db store.API = e
			if bare {
				db = e.Client
			}
			s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
			pk := "TIP#" + name
			item := map[string]types.AttributeValue{"PK": s(pk), "SK": s("TIP"), "GSI1PK": s("QUEUE#" + name), "GSI1SK": s("1#a"),
				"reasons": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
				"detail":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
				"nested":  &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberL{Value: []types.AttributeValue{}}}}}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tipline"), Item: item}); err != nil {
				t.Fatal(err)
			}
			_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{
				TableName: aws.String("tipline"), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}}})
			var tce *types.TransactionCanceledException
			if !asCancelled(err, &tce) {
				t.Fatalf("TransactWriteItems() error = %v, want the transaction cancelled", err)
			}
			got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tipline"), Key: map[string]types.AttributeValue{"PK": s(pk), "SK": s("TIP")}})
			q, qerr := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tipline"), IndexName: aws.String("GSI1"),
				KeyConditionExpression: aws.String("GSI1PK = :pk"), ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("QUEUE#" + name)}})
			if bare {
				t.Logf("minidyn after a failed transaction: GetItem error %v; Query error %v", err, qerr)
				return
			}
			if err != nil || qerr != nil || len(q.Items) != 1 {
				t.Fatalf("after a failed transaction: GetItem error %v, Query error %v", err, qerr)
			}
			for _, it := range []map[string]types.AttributeValue{got.Item, q.Items[0]} {
				var back struct {
					Reasons []string          `dynamodbav:"reasons"`
					Detail  map[string]string `dynamodbav:"detail"`
					Nested  [][]string        `dynamodbav:"nested"`
				}
				if err := attributevalue.UnmarshalMap(it, &back); err != nil || len(back.Reasons) != 0 || len(back.Detail) != 0 || len(back.Nested) != 1 || len(back.Nested[0]) != 0 {
					t.Errorf("item read back %+v (error %v), want the empty list, the empty map and the list of an empty list", back, err)
				}
			}
		})
	}
}

func asCancelled(err error, tce **types.TransactionCanceledException) bool {
	c, ok := err.(*types.TransactionCanceledException)
	*tce = c
	return ok
}
