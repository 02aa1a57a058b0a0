package alert_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/twilio"
)

// TestBurstsOnTheEmbeddedEngine sends bursts of 50 concurrent deliveries
// (new tips, follow-ups, Twilio retries of the same MessageSid) through the
// webhook while sweeps run, as serve does, and then checks that every
// Query still answers and the queue lists every tip once. Run it under
// -race; BURST_ROUNDS raises the number of bursts (default 2).
func TestBurstsOnTheEmbeddedEngine(t *testing.T) {
	rounds := 2
	if n, err := strconv.Atoi(os.Getenv("BURST_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	e := newEnv(t)
	h := e.webhook()
	post := func(sid, from, body string) int {
		form := url.Values{"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {from}, "To": {"+51900000000"},
			"Body": {body}, "NumMedia": {"0"}}
		req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBase+"/twilio/messages", form))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	reporters := map[string]bool{}
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		sweeps := make(chan error, 1)
		go func() {
			for {
				select {
				case <-stop:
					close(sweeps)
					return
				default:
				}
				if _, err := e.d.Sweep(e.ctx); err != nil {
					sweeps <- err
					close(sweeps)
					return
				}
			}
		}()
		codes := make(chan string, 50)
		for i := 0; i < 50; i++ {
			from := fmt.Sprintf("+5198%02d%05d", r, i%30) // 30 reporters: some send twice
			reporters[from] = true
			sid := fmt.Sprintf("SM%016d%016d", r, i%45) // some are Twilio's retries
			body := criticalText
			if i%3 == 0 {
				body = "gracias, es en la calle principal"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code := post(sid, from, body); code != http.StatusOK {
					codes <- fmt.Sprintf("%s from %s: %d", sid, from[len(from)-4:], code)
				}
			}()
		}
		wg.Wait()
		close(stop)
		if err := <-sweeps; err != nil {
			t.Errorf("round %d: a sweep failed: %v", r, err)
		}
		close(codes)
		for c := range codes {
			t.Errorf("round %d: webhook %s", r, c)
		}
		e.clock.Advance(3 * time.Hour) // the conversations close
	}
	if t.Failed() {
		t.Logf("engine log of the failures:\n%s", grepLines(e.logs.String(), "ValidationException"))
	}
	seen := map[string]int{}
	cursor := ""
	for {
		page, err := e.store.ListTips(e.ctx, store.TipQuery{Limit: 17, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListTips after the bursts: %v", err)
		}
		for _, tp := range page.Tips {
			seen[tp.ID]++
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("tip %s listed %d times", id, n)
		}
	}
	// Each reporter's conversation of a round is one tip.
	if want := len(reporters); len(seen) != want {
		t.Errorf("%d tips listed, want %d (one per reporter and round)", len(seen), want)
	}
	if _, err := e.store.DueAlerts(e.ctx, e.clock.Now().Add(24*time.Hour), 100); err != nil {
		t.Errorf("DueAlerts after the bursts: %v", err)
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
