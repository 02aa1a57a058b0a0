package reconcile_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/truora/minidyn/aws-v2/client"

	"tipline/infra/localdb"
	"tipline/shared/contact"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/reconcile"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/testkit"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

const (
	account  = "AC66666666666666666666666666666666"
	token    = "tiplinereconciletoken"
	campaign = "+51900000000"
	secret   = "reconcile-test-reporter-secret"
)

// world is the webhook behind an HTTP server, the fake Twilio delivering
// to it and listing its log through twilio-go, and a reconciler, all on one
// embedded table and one clock.
type world struct {
	t      *testing.T
	ctx    context.Context
	db     *localdb.Engine
	store  *store.Store
	fake   *fakeapi.Server
	clock  *testkit.Clock
	keeper *contact.Keeper
	rec    *reconcile.Reconciler
	logs   *testkit.SyncBuffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldAt(t, time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC), nil)
}

// newWorldAt is newWorld with its clock starting at start and the
// reconciler waiting with sleep (nil: the real timer).
func newWorldAt(t *testing.T, start time.Time, sleep func(context.Context, time.Duration) error) *world {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.NewClock(start)
	st := store.New(db, "tipline", c.Now)
	key := bytes.Repeat([]byte{7}, 32)
	keeper, err := contact.NewKeeper([]byte(secret), key)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	log := edge.Logger(logs, "debug")
	var webhook http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { webhook.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	h := intake.New(intake.Deps{Store: st, Triage: engine, Replies: book, Contacts: keeper,
		Validator: twilio.NewValidator(token, srv.URL), Log: log, AccountSID: account, Now: c.Now,
		Deadline: 300 * time.Millisecond}) // a failed webhook fails fast here: these tests are about what follows
	mux := http.NewServeMux()
	mux.Handle("/twilio/messages", h)
	fake := &fakeapi.Server{AccountSID: account, AuthToken: token, Now: c.Now, WebhookURL: srv.URL + "/twilio/messages"}
	mux.Handle("/", fake)
	webhook = mux
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: account, AuthToken: token, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rec := reconcile.New(reconcile.Config{Numbers: []string{campaign}},
		reconcile.Deps{Store: st, Log: sender, Intake: h, Messenger: sender, Logger: log, Now: c.Now, Sleep: sleep})
	return &world{t: t, ctx: ctx, db: db, store: st, fake: fake, clock: c, keeper: keeper, rec: rec, logs: logs}
}

// send is a reporter's message reaching Twilio, delivered as Twilio does.
func (w *world) send(from, body string) fakeapi.Message {
	w.t.Helper()
	m, err := w.fake.Receive(from, campaign, body, "", "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.fake.Wait()
	return m
}

func (w *world) run() reconcile.Result {
	w.t.Helper()
	res, err := w.rec.Run(w.ctx)
	if err != nil {
		w.t.Fatalf("Run() error = %v", err)
	}
	return res
}

// hasTip reports whether the reporter of number has an open tip.
func (w *world) tipOf(number string) (*tip.Tip, bool) {
	w.t.Helper()
	c, err := w.store.OpenConversation(w.ctx, w.keeper.Key(number))
	if tip.Is(err, tip.KindNotFound) {
		return nil, false
	}
	if err != nil {
		w.t.Fatal(err)
	}
	tp, err := w.store.Tip(w.ctx, c.TipID)
	if err != nil {
		w.t.Fatal(err)
	}
	return tp, true
}

// repliesTo counts the outbound messages to number.
func (w *world) repliesTo(number string) int {
	n := 0
	for _, m := range w.fake.Outbox() {
		if m.To == number {
			n++
		}
	}
	return n
}

func TestMessagesWhoseWebhookFailedBecomeTipsOnce(t *testing.T) {
	w := newWorld(t)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError) // DynamoDB is down
	var sent []fakeapi.Message
	for i := 0; i < 15; i++ {
		sent = append(sent, w.send(fmt.Sprintf("+519876501%02d", i), "en el km 108 tienen encerradas a dos chicas menores"))
	}
	client.EmulateFailure(w.db.Client, client.FailureConditionNone) // and back
	for _, m := range sent {
		if d := w.fake.Deliveries(m.SID); len(d) != 1 || d[0].Status != http.StatusServiceUnavailable {
			t.Fatalf("deliveries of %s = %+v, want one, answered 503", m.SID, d)
		}
		if _, ok := w.tipOf(m.From); ok {
			t.Fatalf("a tip exists for a message whose webhook failed")
		}
	}
	w.clock.Advance(2 * time.Minute) // past the settle time

	t.Run("one run stores every message and answers each reporter once", func(t *testing.T) {
		res := w.run()
		if res.Recovered != 15 || res.Replied != 15 || res.Failed != 0 {
			t.Errorf("Run() = %+v, want 15 recovered and replied", res)
		}
		for _, m := range sent {
			tp, ok := w.tipOf(m.From)
			if !ok {
				t.Fatalf("no tip for a recovered message")
			}
			if n := w.repliesTo(m.From); n != 1 {
				t.Errorf("reporter got %d replies, want 1", n)
			}
			audit, err := w.store.Audit(w.ctx, tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			recovered := 0
			for _, a := range audit {
				if a.Action == "message.recovered" && a.Detail["message_sid"] == m.SID && a.Detail["replied"] == "true" {
					recovered++
				}
			}
			if recovered != 1 {
				t.Errorf("tip %s has %d message.recovered entries for its message, want 1", tp.Ref, recovered)
			}
		}
		out := w.fake.Outbox()
		if len(out) != 15 || !strings.Contains(out[0].Body, "") || out[0].From != campaign {
			t.Errorf("outbox has %d messages, want 15 replies from the campaign number", len(out))
		}
	})
	t.Run("running it again changes nothing", func(t *testing.T) {
		w.clock.Advance(5 * time.Minute)
		res := w.run()
		if res.Recovered != 0 || res.Replied != 0 || res.Listed != 15 {
			t.Errorf("second Run() = %+v, want the 15 messages listed (within the margin) and nothing recovered", res)
		}
		if n := len(w.fake.Outbox()); n != 15 {
			t.Errorf("outbox has %d messages after the second run, want still 15", n)
		}
	})
	t.Run("a message whose webhook succeeded is never touched", func(t *testing.T) {
		m := w.send("+51987650200", "hola, en la pampa hay chicas menores en un bar")
		tp, ok := w.tipOf(m.From)
		if !ok {
			t.Fatal("the webhook stored no tip")
		}
		w.clock.Advance(5 * time.Minute)
		res := w.run()
		if res.Recovered != 0 || w.repliesTo(m.From) != 0 {
			t.Errorf("Run() = %+v with %d API replies, want nothing recovered and the TwiML reply alone", res, w.repliesTo(m.From))
		}
		if again, _ := w.tipOf(m.From); again.ID != tp.ID || again.MessageCount != 1 {
			t.Errorf("the tip changed")
		}
	})
}

func TestRecoveredMessagesAreAnsweredOnlyWhenItIsSafe(t *testing.T) {
	tests := []struct {
		name      string
		before    func(w *world, from string)
		delay     time.Duration // from the message to the run
		wantReply int
		reason    string
	}{
		{"a message recovered within the conversation window is answered", nil, 5 * time.Minute, 1, ""},
		{"a message recovered after the conversation window gets no reply", nil, 3 * time.Hour, 0, "outside_window"},
		{"a reporter who opted out gets no reply", func(w *world, from string) { w.send(from, "BAJA") }, 5 * time.Minute, 0, "opted_out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			from := "+51987650300"
			if tc.before != nil {
				tc.before(w, from)
			}
			replies := len(w.fake.Outbox())
			client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError)
			m := w.send(from, "en el km 108 tienen encerradas a dos chicas menores")
			client.EmulateFailure(w.db.Client, client.FailureConditionNone)
			w.clock.Advance(tc.delay)
			res := w.run()
			if res.Recovered != 1 {
				t.Fatalf("Run() = %+v, want the message recovered", res)
			}
			if got := len(w.fake.Outbox()) - replies; got != tc.wantReply {
				t.Errorf("sent %d replies, want %d", got, tc.wantReply)
			}
			tp, ok := w.tipOf(m.From)
			if !ok && tc.delay < 2*time.Hour {
				t.Fatal("no tip for the recovered message")
			}
			if ok {
				audit, _ := w.store.Audit(w.ctx, tp.ID)
				found := false
				for _, a := range audit {
					found = found || (a.Action == "message.recovered" && a.Detail["reason"] == tc.reason)
				}
				if !found {
					t.Errorf("no message.recovered audit entry with reason %q in %+v", tc.reason, audit)
				}
			}
		})
	}
}

func TestReconcilerLogsNoBodiesOrNumbers(t *testing.T) {
	w := newWorld(t)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError)
	w.send("+51987650400", "en el km 108 tienen encerradas a dos chicas menores")
	client.EmulateFailure(w.db.Client, client.FailureConditionNone)
	w.clock.Advance(2 * time.Minute)
	w.run()
	logs := w.logs.String()
	for _, secret := range []string{"987650400", "encerradas", token} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	if !strings.Contains(logs, `"recovered":1`) {
		t.Errorf("logs have no run summary with the recovered count:\n%s", logs)
	}
}

func TestARecoveredFollowUpJoinsTheTipItsFirstMessageOpened(t *testing.T) {
	w := newWorld(t)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError)
	from := "+51987650500"
	w.send(from, "en el km 108 tienen encerradas a dos chicas")
	w.clock.Advance(time.Second)
	w.send(from, "son menores, de 14 y 15 años")
	for i := 0; i < 6; i++ { // other reporters, taken side by side
		w.send(fmt.Sprintf("+519876506%02d", i), "hola, en la pampa hay chicas menores en un bar")
	}
	client.EmulateFailure(w.db.Client, client.FailureConditionNone)
	w.clock.Advance(2 * time.Minute)
	res := w.run()
	if res.Recovered != 8 {
		t.Fatalf("Run() = %+v, want 8 recovered", res)
	}
	tp, ok := w.tipOf(from)
	if !ok || tp.MessageCount != 2 || !strings.HasPrefix(tp.Text, "en el km 108") {
		t.Fatalf("tip = %+v, want one tip of both messages in the order sent", tp)
	}
	if n := w.repliesTo(from); n != 2 {
		t.Errorf("reporter got %d replies, want 2 (the first reply and the follow-up's)", n)
	}
}

func TestAnOptOutReadAgainNeverUndoesALaterOptIn(t *testing.T) {
	w := newWorld(t)
	from := "+51987650700"
	w.send(from, "BAJA")
	w.clock.Advance(30 * time.Second)
	w.send(from, "ALTA") // both through the webhook
	w.clock.Advance(40 * time.Second)
	// The opt-out is older than the settle time, the opt-in is not: a run
	// reads the first alone.
	res := w.run()
	if res.Listed != 1 || res.Recovered != 0 {
		t.Errorf("Run() = %+v, want the opt-out listed and nothing recovered", res)
	}
	out, err := w.store.OptedOut(w.ctx, w.keeper.Key(from))
	if err != nil || out {
		t.Errorf("OptedOut() = %v, %v after the run; want false, as the reporter's last word was ALTA", out, err)
	}
}

func TestMessagesLeftToTheWebhookAreReadAgainWhenTheirSettleTimePasses(t *testing.T) {
	w := newWorld(t)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError)
	first := w.send("+51987650800", "en el km 108 tienen encerradas a dos chicas menores")
	w.clock.Advance(5 * time.Second)
	w.send("+51987650801", "en el km 108 tienen encerradas a dos chicas menores")
	client.EmulateFailure(w.db.Client, client.FailureConditionNone)
	w.send("+51987650802", "hola, en la pampa hay chicas menores en un bar") // stored by its webhook
	w.clock.Advance(10 * time.Second)

	res := w.run()
	want := first.CreatedAt.Add(reconcile.DefaultSettle)
	if res.Recovered != 0 || res.Waiting != 2 || !res.RecheckAt.Equal(want) {
		t.Fatalf("Run() = %+v, want nothing recovered, the two failed messages waiting, recheck at %v", res, want)
	}
	w.clock.Advance(res.RecheckAt.Sub(w.clock.Now()))
	res = w.run()
	if res.Recovered != 1 || res.Waiting != 1 {
		t.Errorf("Run() at the recheck time = %+v, want the older message recovered and the younger still waiting", res)
	}
	w.clock.Advance(res.RecheckAt.Sub(w.clock.Now()))
	if res = w.run(); res.Recovered != 1 || res.Waiting != 0 || !res.RecheckAt.IsZero() {
		t.Errorf("Run() at the second recheck time = %+v, want the last message recovered and nothing waiting", res)
	}
}

func TestAPassTakesWhatAnOutageLeftSoonAfterItEnds(t *testing.T) {
	var w *world
	var back time.Time // when DynamoDB came back
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		if back.IsZero() { // the first run failed: the outage ends while Pass waits
			client.EmulateFailure(w.db.Client, client.FailureConditionNone)
			back = w.clock.Now()
		}
		w.clock.Advance(d)
		return nil
	}
	// The clock starts now, so that the context's deadline, real time,
	// and the clock agree.
	w = newWorldAt(t, time.Now(), sleep)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError)
	var sent []fakeapi.Message
	for i := 0; i < 15; i++ {
		sent = append(sent, w.send(fmt.Sprintf("+519876509%02d", i), "en el km 108 tienen encerradas a dos chicas menores"))
	}
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Minute) // the function's timeout in the template
	defer cancel()

	res, err := w.rec.Pass(ctx)
	if err != nil || res.Recovered != 15 || res.Waiting != 0 {
		t.Fatalf("Pass() = %+v, %v, want the 15 messages recovered by its last run", res, err)
	}
	took := w.clock.Now().Sub(back)
	if took > reconcile.DefaultSettle+time.Second {
		t.Errorf("the messages were recovered %v after DynamoDB came back (waits %v), want within the settle time", took, slept)
	}
	for _, m := range sent {
		if _, ok := w.tipOf(m.From); !ok {
			t.Fatalf("no tip for a message sent during the outage")
		}
		if n := w.repliesTo(m.From); n != 1 {
			t.Errorf("reporter got %d replies, want 1", n)
		}
	}
	if res, err := w.rec.Pass(ctx); err != nil || res.Recovered != 0 || len(w.fake.Outbox()) != 15 {
		t.Errorf("a second Pass() = %+v, %v with %d replies in all, want nothing recovered and still 15", res, err, len(w.fake.Outbox()))
	}
}

func TestAPassEndsWithinItsDeadline(t *testing.T) {
	var w *world
	sleep := func(_ context.Context, d time.Duration) error { w.clock.Advance(d); return nil }
	w = newWorldAt(t, time.Now(), sleep)
	client.EmulateFailure(w.db.Client, client.FailureConditionInternalServerError) // down for good
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Minute)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if _, err := w.rec.Pass(ctx); err == nil {
		t.Fatal("Pass() = nil error with DynamoDB down, want the last run's error")
	}
	if end := w.clock.Now(); end.After(deadline) {
		t.Errorf("Pass() went on %v past its deadline", end.Sub(deadline))
	}
}
