package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"tipline/infra/localdb"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// refusing answers every transaction with err, as DynamoDB answered it.
type refusing struct {
	store.API
	err error
}

func (r refusing) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, r.err
}

// The errors are those DynamoDB Local 3.3.1 answers (the shapes AWS
// documents): a ValidationException is never transient, and one about the
// item size is ErrTooLarge.
func TestValidationExceptionsArePermanent(t *testing.T) {
	sizeCancel := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"),
		CancellationReasons: []types.CancellationReason{{Code: aws.String("None")},
			{Code: aws.String("ValidationError"), Message: aws.String("Item size to update has exceeded the maximum allowed size")}}}
	for _, tc := range []struct {
		name     string
		err      error
		tooLarge bool
		message  string
	}{
		{"an item past 400 KB is ErrTooLarge", &smithy.GenericAPIError{Code: "ValidationException", Message: "Item size has exceeded the maximum allowed size"}, true, "Item size has exceeded"},
		{"an update growing an item past 400 KB in a transaction is ErrTooLarge", sizeCancel, true, "Item size to update"},
		{"another ValidationException is invalid, with its message", &smithy.GenericAPIError{Code: "ValidationException", Message: "One or more parameter values were invalid: Missing the key PK in the item"}, false, "Missing the key PK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := localdb.Embedded(context.Background(), "tipline")
			if err != nil {
				t.Fatal(err)
			}
			s := store.New(refusing{API: db, err: tc.err}, "tipline", nil)
			now := time.Now()
			tp := &tip.Tip{ID: "01TIPVALIDATION000000000001", Ref: "VAL001", Status: tip.StatusTriaged, ReporterKey: "r", CreatedAt: now, UpdatedAt: now, Version: 1}
			err = s.CreateTip(context.Background(), store.NewTip{Tip: tp, Message: &tip.Message{SID: "SMval", CreatedAt: now}})
			if tip.Is(err, tip.KindTransient) || !tip.Is(err, tip.KindInvalid) {
				t.Errorf("CreateTip() error = %v (kind %v), want kind invalid", err, tip.KindOf(err))
			}
			if errors.Is(err, store.ErrTooLarge) != tc.tooLarge {
				t.Errorf("CreateTip() error = %v; ErrTooLarge %v, want %v", err, errors.Is(err, store.ErrTooLarge), tc.tooLarge)
			}
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("CreateTip() error = %v, want DynamoDB's message %q in it", err, tc.message)
			}
		})
	}
}

func TestBoundText(t *testing.T) {
	long := strings.Repeat("niña ", 10000) // 2-byte ñ: cuts must fall on character boundaries
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"a short text is kept whole", "hola"},
		{"a text of exactly MaxText is kept whole", strings.Repeat("a", store.MaxText)},
		{"a long text keeps its beginning and its end", "PRIMERO " + long + " ÚLTIMO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := store.BoundText(tc.in)
			if len(tc.in) <= store.MaxText {
				if got != tc.in {
					t.Errorf("BoundText changed a text that fits")
				}
				return
			}
			if len(got) > store.MaxText || !strings.HasPrefix(got, "PRIMERO ") || !strings.HasSuffix(got, " ÚLTIMO") || !utf8Valid(got) {
				t.Errorf("BoundText: %d bytes, valid %v, head %q, tail %q", len(got), utf8Valid(got), got[:10], got[len(got)-10:])
			}
			if again := store.BoundText(got + "\nmás"); !strings.HasPrefix(again, got[:store.MaxText/8]) || !strings.HasSuffix(again, "\nmás") {
				t.Error("bounding again with more appended lost the beginning or the new end")
			}
		})
	}
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
