package intake_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/intake"
	"tipline/shared/store"
)

// TestFrozenDynamoDBAnswers503WithinDeadline: with DynamoDB accepting
// connections but never answering, the webhook gives up at its deadline
// and answers 503 (so Twilio can still use the fallback URL), rather than
// waiting on the SDK's own timeouts and retries.
func TestFrozenDynamoDBAnswers503WithinDeadline(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int32
	frozen := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer frozen.Close()
	defer close(release)
	db, _, err := localdb.Client(context.Background(), frozen.URL)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, db, "tipline", false, func(d *intake.Deps) { d.Deadline = 300 * time.Millisecond })
	rec := h.post(form("SM00000000000000000000000000000070", "+51987650070", "en el km 108 tienen a una menor"), nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status with DynamoDB frozen = %d, want 503", rec.Code)
	}
	if requests.Load() == 0 {
		t.Errorf("no request reached the frozen endpoint")
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"msg":"message not stored"`) || !strings.Contains(logs, `"deadline_passed":true`) {
		t.Errorf("logs do not say the message was not stored because the deadline passed:\n%s", logs)
	}
}

// conflictEngines are the engines behind the conflict layer: embedded
// always, DynamoDB Local when DYNAMODB_ENDPOINT is set.
func conflictEngines(t *testing.T) map[string]func() (store.API, string) {
	ctx := context.Background()
	out := map[string]func() (store.API, string){
		"embedded": func() (store.API, string) {
			db, err := localdb.Embedded(ctx, "tipline")
			if err != nil {
				t.Fatal(err)
			}
			locks := localdb.NewLocks()
			locks.Hold = 5 * time.Millisecond // DynamoDB's commit is not instant
			return localdb.NewConflictAPI(db, locks), "tipline"
		},
	}
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		out["DynamoDB Local"] = func() (store.API, string) {
			c, _, err := localdb.Client(ctx, ep, localdb.WithConflicts(localdb.NewLocks()))
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("burst_%d", time.Now().UnixNano())
			if err := localdb.Ensure(ctx, c, name); err != nil {
				t.Fatal(err)
			}
			return c, name
		}
	}
	return out
}

// TestBurstsUnderConflictRules: with DynamoDB's conflict rules, a burst of
// first messages from distinct reporters, and messages each delivered
// three times at once, are all answered 200 and stored exactly once.
func TestBurstsUnderConflictRules(t *testing.T) {
	for name, open := range conflictEngines(t) {
		t.Run("on "+name, func(t *testing.T) {
			db, table := open()
			// What is tested is that conflicts are retried until every
			// message is stored once; DynamoDB Local on a loaded machine can
			// take longer than the production deadline to commit.
			h := newHarnessOn(t, db, table, false, func(d *intake.Deps) { d.Deadline = 20 * time.Second })
			type delivery struct{ sid, from string }
			var work []delivery
			for i := 0; i < 36; i++ {
				work = append(work, delivery{fmt.Sprintf("SM%032d", 1000+i), fmt.Sprintf("+519876%05d", 1000+i)})
			}
			for i := 0; i < 12; i++ { // each delivered three times
				d := delivery{fmt.Sprintf("SM%032d", 2000+i), fmt.Sprintf("+519876%05d", 2000+i)}
				work = append(work, d, d, d)
			}
			jobs := make(chan delivery)
			var mu sync.Mutex
			statuses := map[int]int{}
			var wg sync.WaitGroup
			for w := 0; w < 12; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for d := range jobs {
						rec := h.post(form(d.sid, d.from, "en el bar de la pampa hay chicas menores"), nil)
						mu.Lock()
						statuses[rec.Code]++
						mu.Unlock()
					}
				}()
			}
			for _, d := range work {
				jobs <- d
			}
			close(jobs)
			wg.Wait()
			if statuses[200] != len(work) {
				t.Errorf("statuses %v, want %d answered 200", statuses, len(work))
			}
			seen := map[string]bool{}
			for _, d := range work {
				if seen[d.from] {
					continue
				}
				seen[d.from] = true
				tp := h.tipOf(d.from)
				if msgs, err := h.store.Messages(context.Background(), tp.ID); err != nil || len(msgs) != 1 {
					t.Errorf("reporter's tip has %d messages (%v), want 1", len(msgs), err)
				}
			}
		})
	}
}
