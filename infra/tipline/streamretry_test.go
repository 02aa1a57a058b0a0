package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	tipline "tipline"
	"tipline/shared/deadletter"
	"tipline/shared/edge"
)

// flakyHandler fails each record the first fails[seq] deliveries of it.
type flakyHandler struct {
	fails     map[string]int
	delivered map[string]int
}

func (f *flakyHandler) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		seq := r.Change.SequenceNumber
		f.delivered[seq]++
		if f.delivered[seq] <= f.fails[seq] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		}
	}
	return resp, nil
}

func batch(seqs ...string) events.DynamoDBEvent {
	var ev events.DynamoDBEvent
	for _, s := range seqs {
		ev.Records = append(ev.Records, events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: s}})
	}
	return ev
}

func TestTheLocalStreamDeliversFailedRecordsAgainAsLambdaDoes(t *testing.T) {
	noWait := func(int) time.Duration { return 0 }
	tests := []struct {
		name          string
		retries       int
		fails         map[string]int
		wantFailed    int
		wantDelivered map[string]int
	}{
		{"a record that fails twice is delivered a third time and passes", 5, map[string]int{"2": 2},
			0, map[string]int{"1": 1, "2": 3, "3": 1}},
		{"a record failing past the retries is reported failed", 1, map[string]int{"2": 3},
			1, map[string]int{"1": 1, "2": 2, "3": 1}},
		{"no retries: one delivery", 0, map[string]int{"1": 1, "3": 1},
			2, map[string]int{"1": 1, "2": 1, "3": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &flakyHandler{fails: tc.fails, delivered: map[string]int{}}
			resp, err := retryFailed(tc.retries, noWait, f.handle)(context.Background(), batch("1", "2", "3"))
			if err != nil || len(resp.BatchItemFailures) != tc.wantFailed {
				t.Errorf("failed records = %v, %v, want %d", resp.BatchItemFailures, err, tc.wantFailed)
			}
			for seq, want := range tc.wantDelivered {
				if got := f.delivered[seq]; got != want {
					t.Errorf("record %s delivered %d times, want %d", seq, got, want)
				}
			}
		})
	}
}

func TestTheTemplateRetriesEveryStreamFunctionsRecords(t *testing.T) {
	filters, err := streamFilters(tipline.Template)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"DispatchAlertsFunction", "SendAlertsFunction"} {
		if filters[fn].retries < 1 {
			t.Errorf("%s: MaximumRetryAttempts read as %d, want the template's retries (at least 1)", fn, filters[fn].retries)
		}
	}
	if _, err := streamFilters([]byte("Resources:\n  F:\n    Properties:\n      Events:\n        S:\n          Type: DynamoDB\n          Properties:\n            MaximumRetryAttempts: many\n")); err == nil {
		t.Error("a template with MaximumRetryAttempts: many was read, want an error")
	}
}

func TestRecordsCutShortByTheStopAreNoDeadLetters(t *testing.T) {
	dir := deadletter.Dir{Path: t.TempDir()}
	f := &flakyHandler{fails: map[string]int{"1": 1}, delivered: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve is stopping
	resp, _ := keepFailed(edge.Logger(io.Discard, "error"), dir, "dispatch-alerts", f.handle)(ctx, batch("1"))
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failed records = %v, want the one cut short reported", resp.BatchItemFailures)
	}
	if entries, err := os.ReadDir(dir.Path); err != nil || len(entries) != 0 {
		t.Errorf("dead-letter folder has %d entries (%v), want none for records cut short by a stop", len(entries), err)
	}
}
