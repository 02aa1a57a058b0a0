package intake_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
	"tipline/shared/store"
)

// engines are the DynamoDB engines a test runs on: the embedded one, and
// DynamoDB Local (which enforces the 400 KB item limit) when
// DYNAMODB_ENDPOINT is set.
func engines(t *testing.T) map[string]func(t *testing.T) (store.API, string) {
	out := map[string]func(t *testing.T) (store.API, string){
		"the embedded engine": func(t *testing.T) (store.API, string) {
			db, err := localdb.Embedded(context.Background(), "tipline")
			if err != nil {
				t.Fatal(err)
			}
			return db, "tipline"
		},
	}
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		out["DynamoDB Local"] = func(t *testing.T) (store.API, string) {
			c, _, err := localdb.Client(context.Background(), ep)
			if err != nil {
				t.Fatal(err)
			}
			table := fmt.Sprintf("bounded_%d", time.Now().UnixNano())
			if err := localdb.Ensure(context.Background(), c, table); err != nil {
				t.Fatal(err)
			}
			return c, table
		}
	}
	return out
}

// longMessage is message i of n characters (WhatsApp allows 4,096).
func longMessage(i, n int) string {
	s := []rune(strings.Repeat(fmt.Sprintf("mensaje %d: en el bar de la pampa hay chicas menores, ñandú y más detalles ", i), n/40+1))
	return string(s[:n])
}

func TestLongConversationsStayBounded(t *testing.T) {
	for name, open := range engines(t) {
		t.Run("a reporter sending 30 messages of 4,096 characters gets 200 for each on "+name, func(t *testing.T) {
			db, table := open(t)
			h := newHarnessOn(t, db, table, false)
			from := "+51987650070"
			for i := 0; i < 30; i++ {
				rec := h.post(form(fmt.Sprintf("SM%032d", 7000+i), from, longMessage(i, 4096)), nil)
				if rec.Code != 200 {
					t.Fatalf("message %d answered %d: %s", i+1, rec.Code, rec.Body)
				}
				h.clock.advance(time.Minute)
			}
			tp := h.tipOf(from)
			msgs, err := h.store.Messages(context.Background(), tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tp.MessageCount != 30 || len(msgs) != 30 {
				t.Errorf("tip has %d messages (%d stored), want 30", tp.MessageCount, len(msgs))
			}
			if len(tp.Text) > store.MaxText || !strings.HasPrefix(tp.Text, "mensaje 0:") || !strings.Contains(tp.Text, "mensaje 29:") {
				t.Errorf("tip text of %d bytes, want at most %d with the first and the last message", len(tp.Text), store.MaxText)
			}
			for i, m := range msgs {
				if len([]rune(m.Body)) != 4096 {
					t.Errorf("message %d keeps %d characters, want all 4096", i, len([]rune(m.Body)))
				}
			}
		})
	}
}

// tooLarge makes DynamoDB's answer to a tip item grown past 400 KB happen
// on any engine: a transaction that sets the tip's text fails as DynamoDB
// Local answers it (TransactionCanceledException, reason ValidationError).
type tooLarge struct {
	store.API
	mu      sync.Mutex
	refused int
}

func (f *tooLarge) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for at, it := range in.TransactItems {
		if it.Update == nil {
			continue
		}
		for _, v := range it.Update.ExpressionAttributeValues {
			if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, "grow") {
				f.mu.Lock()
				f.refused++
				f.mu.Unlock()
				reasons := make([]types.CancellationReason, len(in.TransactItems))
				for i := range reasons {
					reasons[i] = types.CancellationReason{Code: aws.String("None")}
				}
				reasons[at] = types.CancellationReason{Code: aws.String("ValidationError"), Message: aws.String("Item size to update has exceeded the maximum allowed size")}
				return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons"), CancellationReasons: reasons}
			}
		}
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

func TestTipAtItsSizeLimitStillStoresMessages(t *testing.T) {
	db, err := localdb.Embedded(context.Background(), "tipline")
	if err != nil {
		t.Fatal(err)
	}
	fault := &tooLarge{API: db}
	h := newHarnessOn(t, fault, "tipline", false)
	from := "+51987650071"
	h.post(form("SM00000000000000000000000000007100", from, "en el bar de la pampa hay chicas menores"), nil)
	h.clock.advance(time.Minute)
	rec := h.post(form("SM00000000000000000000000000007101", from, "y esto hace grow el tip"), nil)
	if rec.Code != 200 {
		t.Fatalf("a follow-up the tip cannot hold answered %d, want 200", rec.Code)
	}
	tp := h.tipOf(from)
	msgs, _ := h.store.Messages(context.Background(), tp.ID)
	if fault.refused == 0 || len(msgs) != 2 || tp.MessageCount != 2 || strings.Contains(tp.Text, "grow") {
		t.Errorf("refused %d, %d messages stored, count %d, text %q; want the message stored and the tip text unchanged",
			fault.refused, len(msgs), tp.MessageCount, tp.Text)
	}
	if !strings.Contains(h.logs.String(), "tip at its size limit") {
		t.Error("the size limit is not logged")
	}
	if strings.Contains(h.logs.String(), "gave up after repeated conflicts") {
		t.Error("a permanent error was retried as a conflict")
	}
}

// The embedded engine keeps bytes as they arrive; the edge makes them
// valid UTF-8 first, so the stored text, and the CSV made from it, is.
func TestInvalidUTF8IsMadeValidAtTheEdge(t *testing.T) {
	h := newHarness(t, false)
	from := "+51987650072"
	if rec := h.post(form("SM00000000000000000000000000007200", from, "hay una ni\xf1a de 14 a\xf1os encerrada \xff\xfe"), nil); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	tp := h.tipOf(from)
	msgs, _ := h.store.Messages(context.Background(), tp.ID)
	for _, s := range []string{tp.Text, msgs[0].Body} {
		if !utf8.ValidString(s) {
			t.Errorf("stored text %q is not valid UTF-8", s)
		}
	}
}
