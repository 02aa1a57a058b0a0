package alert_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/alert"
	"tipline/shared/consent"
	"tipline/shared/edge"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

const mddText = "en un bar de La Pampa km 108 tienen encerradas a dos chicas de 15 años, esta noche las llevan"

var tier1MDD = []string{"+51900000111", "+51900000121"}

func TestStreamRecordsAlertEachContactOnce(t *testing.T) {
	tests := []struct {
		name    string
		records func(e *env, tp *tip.Tip) []events.DynamoDBEventRecord
	}{
		{"one INSERT record", func(e *env, tp *tip.Tip) []events.DynamoDBEventRecord {
			return []events.DynamoDBEventRecord{record("INSERT", e.item("TIP#"+tp.ID, "TIP"))}
		}},
		{"the same record three times in one batch", func(e *env, tp *tip.Tip) []events.DynamoDBEventRecord {
			r := record("INSERT", e.item("TIP#"+tp.ID, "TIP"))
			return []events.DynamoDBEventRecord{r, r, r}
		}},
		{"a MODIFY before the INSERT it follows", func(e *env, tp *tip.Tip) []events.DynamoDBEventRecord {
			ins := record("INSERT", e.item("TIP#"+tp.ID, "TIP"))
			mod := record("MODIFY", e.item("TIP#"+tp.ID, "TIP"))
			return []events.DynamoDBEventRecord{mod, ins}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" alerts each tier-1 contact once, even replayed", func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			ev := events.DynamoDBEvent{Records: tc.records(e, tp)}
			for replay := 0; replay < 2; replay++ {
				resp, err := e.d.HandleTipStream(e.ctx, ev)
				if err != nil || len(resp.BatchItemFailures) > 0 {
					t.Fatalf("HandleTipStream() = %+v, %v; want no failures", resp, err)
				}
			}
			items := e.alertItems(tp.ID)
			if len(items) != 2 {
				t.Fatalf("%d alert items, want 2 (tier 1)", len(items))
			}
			var alertEv events.DynamoDBEvent
			for _, it := range items {
				r := record("INSERT", it)
				alertEv.Records = append(alertEv.Records, r, r) // duplicated
			}
			for replay := 0; replay < 2; replay++ {
				resp, err := e.d.HandleAlertStream(e.ctx, alertEv)
				if err != nil || len(resp.BatchItemFailures) > 0 {
					t.Fatalf("HandleAlertStream() = %+v, %v; want no failures", resp, err)
				}
			}
			e.sweep()
			e.alerted(tier1MDD...)
			if got := e.mustTip(tp.ID); got.Status != tip.StatusForwarded {
				t.Errorf("tip status = %s, want forwarded", got.Status)
			}
			if a := e.actions(tp.ID); a["route"] != 1 || a["alert.sent"] != 2 || a["forwarded"] != 1 {
				t.Errorf("audit = %v, want one route, two sends, one forwarded", a)
			}
		})
	}
}

func TestStreamSkipsWhatIsNotItsWork(t *testing.T) {
	e := newEnv(t)
	low := e.newTip("hola buenas tardes", tip.Triage{Urgency: tip.Low, Category: tip.CategoryNone})
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record("INSERT", e.item("TIP#"+low.ID, "TIP")),
		record("REMOVE", e.item("TIP#"+low.ID, "TIP")),
		{EventName: "UNKNOWN_TO_SDK_VERSION"}, // a TTL deletion on DynamoDB Local
	}}
	resp, err := e.d.HandleTipStream(e.ctx, ev)
	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("HandleTipStream() = %+v, %v", resp, err)
	}
	e.sweep()
	if n := len(e.fake.Outbox()); n != 0 {
		t.Errorf("a greeting sent %d alerts, want none", n)
	}
}

func TestStreamReportsRecordsItCouldNotHandle(t *testing.T) {
	tests := []struct {
		name       string
		handler    func(e *env) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
		record     func(e *env, tp *tip.Tip) events.DynamoDBEventRecord
		wantFailed bool
	}{
		{"an alert record that does not decode is reported as failed, for the dead-letter queue",
			func(e *env) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return e.d.HandleAlertStream
			},
			func(e *env, tp *tip.Tip) events.DynamoDBEventRecord {
				it := e.alertItems(tp.ID)[0]
				it["contact"] = &types.AttributeValueMemberS{Value: "not a number"}
				return record("INSERT", it)
			}, true},
		{"a tip record that does not decode is reported as failed, for the dead-letter queue",
			func(e *env) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return e.d.HandleTipStream
			},
			func(e *env, tp *tip.Tip) events.DynamoDBEventRecord {
				it := e.item("TIP#"+tp.ID, "TIP")
				it["version"] = &types.AttributeValueMemberS{Value: "not a number"}
				return record("MODIFY", it)
			}, true},
		{"a record of a route reaching the alert stream is skipped",
			func(e *env) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return e.d.HandleAlertStream
			},
			func(e *env, tp *tip.Tip) events.DynamoDBEventRecord {
				return record("MODIFY", e.item("TIP#"+tp.ID, "ROUTE"))
			}, false},
		{"a record of a route reaching the tip stream is skipped",
			func(e *env) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return e.d.HandleTipStream
			},
			func(e *env, tp *tip.Tip) events.DynamoDBEventRecord {
				return record("MODIFY", e.item("TIP#"+tp.ID, "ROUTE"))
			}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			rec := tc.record(e, tp)
			resp, err := tc.handler(e)(e.ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			want := []string(nil)
			if tc.wantFailed {
				want = []string{rec.Change.SequenceNumber}
			}
			if fmt.Sprint(failed) != fmt.Sprint(want) {
				t.Errorf("batch item failures = %v, want %v", failed, want)
			}
		})
	}
}

func TestAlertStreamStopsBeforeTheFunctionTimesOut(t *testing.T) {
	tests := []struct {
		name       string
		left       time.Duration // before the context's deadline
		wantSent   int
		wantFailed int
	}{
		{"with a deadline a few seconds away no send starts and every record is reported for a retry", 3 * time.Second, 0, 2},
		{"with a deadline far away every record is sent", 10 * time.Minute, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			var ev events.DynamoDBEvent
			for _, it := range e.alertItems(tp.ID) {
				ev.Records = append(ev.Records, record("INSERT", it))
			}
			ctx, cancel := context.WithTimeout(e.ctx, tc.left)
			defer cancel()
			resp, err := e.d.HandleAlertStream(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(e.fake.Outbox()); n != tc.wantSent {
				t.Errorf("sent %d, want %d", n, tc.wantSent)
			}
			if n := len(resp.BatchItemFailures); n != tc.wantFailed {
				t.Errorf("%d batch item failures, want %d", n, tc.wantFailed)
			}
			alerts, err := e.store.Alerts(e.ctx, tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range alerts {
				if tc.wantSent == 0 && a.Status != tip.AlertPending {
					t.Errorf("alert %s is %s, want still pending (never claimed)", a.Key(), a.Status)
				}
			}
		})
	}
}

func TestSweepAloneGuaranteesProgress(t *testing.T) {
	t.Run("a reportable tip whose stream record was lost is alerted by the sweep", func(t *testing.T) {
		e := newEnv(t)
		e.newTip(mddText, critical("PE-MDD", true))
		e.clock.Advance(time.Minute) // past the grace left to the stream
		e.sweep()
		e.sweep()
		e.alerted("+51900000111", "+51900000121", "+51900000131")
	})
	t.Run("a tip without region goes to the national fallback", func(t *testing.T) {
		e := newEnv(t)
		e.newTip("tienen encerrada a una chica", tip.Triage{Urgency: tip.Critical, ImmediateDanger: true})
		e.clock.Advance(time.Minute)
		e.sweep()
		e.alerted("+51900000911")
	})
	t.Run("the sweep leaves a tip to the stream during the grace period", func(t *testing.T) {
		e := newEnv(t)
		e.newTip(mddText, critical("PE-MDD", false))
		e.sweep()
		if n := len(e.fake.Outbox()); n != 0 {
			t.Errorf("sent %d during the grace period, want 0", n)
		}
	})
}

// selfText reads as written by an adult victim: without danger now or a
// minor, the tip waits for the reporter's consent.
const selfText = "trabajo en una mina en Mazuko, me quitaron mi DNI y me dicen que debo el pasaje"

func TestHeldTipsNeverStarveNewOnes(t *testing.T) {
	tests := []struct {
		name   string
		batch  int // 0: the default
		held   int
		sweeps int // at most
	}{
		{"150 tips waiting for consent ahead of it in the queue, default batch", 0, 150, 1},
		{"30 tips waiting for consent and a batch of 4, read on from where the last sweep stopped", 4, 30, 3},
	}
	for _, tc := range tests {
		t.Run("a new critical tip whose stream record was lost is alerted behind "+tc.name, func(t *testing.T) {
			e := newEnvWith(t, func(c *alert.Config) { c.Batch = tc.batch })
			held := tip.Triage{Urgency: tip.Critical, Category: tip.CategoryLabor, Region: "PE-MDD", Language: tip.LangSpanish}
			for i := 0; i < tc.held; i++ {
				tp := e.newTip(selfText, held)
				if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
					t.Fatal(err)
				}
			}
			e.clock.Advance(time.Minute)
			fresh := e.newTip(mddText, critical("PE-MDD", false))
			e.clock.Advance(time.Minute) // past the grace left to the stream
			for i := 0; i < tc.sweeps && len(e.fake.Outbox()) == 0; i++ {
				e.sweep()
			}
			e.sweep() // sends what the last dispatch queued, if anything
			e.alerted(tier1MDD...)
			if got := e.mustTip(fresh.ID); got.Status != tip.StatusForwarded {
				t.Errorf("the new tip's status = %s, want forwarded", got.Status)
			}
		})
	}
}

func TestTransientFailuresRetryWithBackoff(t *testing.T) {
	tests := []struct {
		name    string
		failure fakeapi.Failure
	}{
		{"a 500", fakeapi.Failure{Status: 500, Code: 20500}},
		{"a 429", fakeapi.Failure{Status: 429, Code: 20429}},
		{"a timeout", fakeapi.Failure{Delay: 2 * time.Second}},
		{"two 503 in a row", fakeapi.Failure{Status: 503, Code: 20503, Times: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is retried after a backoff and the contact is alerted once", func(t *testing.T) {
			e := newEnv(t)
			f := tc.failure
			f.To = "+51900000111"
			e.fake.Fail(f)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.sweep()
			e.alerted("+51900000121")
			for i := 0; i < 4; i++ { // backoffs of about 10 s, 20 s…
				e.clock.Advance(45 * time.Second)
				e.sweep()
			}
			e.alerted(tier1MDD...)
			if a := e.actions(tp.ID); a["alert.retry"] < 1 || a["alert.sent"] != 2 {
				t.Errorf("audit = %v, want a retry and two sends", a)
			}
		})
	}
}

func TestTimeoutAfterTwilioAcceptedIsTheDocumentedDuplicateWindow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failure fakeapi.Failure
	}{
		{"a timeout", fakeapi.Failure{To: "+51900000111", Delay: 2 * time.Second, Accept: true}},
		{"a 500", fakeapi.Failure{To: "+51900000111", Status: 500, Code: 20500, Accept: true}},
		{"a 502", fakeapi.Failure{To: "+51900000111", Status: 502, Code: 20502, Accept: true}},
	} {
		t.Run(tc.name+" after Twilio accepted is retried and audited with its outcome unknown", func(t *testing.T) {
			e := newEnv(t)
			e.fake.Fail(tc.failure)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.sweep()
			e.clock.Advance(time.Minute)
			e.sweep()
			if got := e.sentTo()["+51900000111"]; got != 2 {
				t.Errorf("the contact whose answer was lost got %d messages, want 2 (the one documented window)", got)
			}
			if got := e.sentTo()["+51900000121"]; got != 1 {
				t.Errorf("the other contact got %d messages, want 1", got)
			}
			audit, err := e.store.Audit(e.ctx, tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			retries := 0
			for _, a := range audit {
				if a.Action == "alert.retry" {
					retries++
					if a.Detail["outcome_unknown"] != "true" {
						t.Errorf("retry audited %v, want outcome_unknown true", a.Detail)
					}
				}
			}
			if retries != 1 {
				t.Errorf("%d retries audited, want 1", retries)
			}
		})
	}
}

func TestPermanentFailureMovesToTheNextContact(t *testing.T) {
	for _, code := range []int{21610, 21211, 63016} {
		t.Run("error "+strconv.Itoa(code)+" fails the contact and alerts the authority's next one at once", func(t *testing.T) {
			e := newEnv(t)
			e.fake.Fail(fakeapi.Failure{To: "+51900000111", Status: 400, Code: code})
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.sweep()
			e.sweep()
			e.alerted("+51900000112", "+51900000121")
			alerts, err := e.store.Alerts(e.ctx, tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range alerts {
				if a.AuthorityID == "fistrap-mdd" && a.Contact == 0 && (a.Status != tip.AlertFailed || a.ErrorCode != code) {
					t.Errorf("failed alert = %+v, want failed with %d", a, code)
				}
			}
			if a := e.actions(tp.ID); a["alert.failed"] != 1 || a["alert.next_contact"] != 1 {
				t.Errorf("audit = %v, want one failure and one next contact", a)
			}
		})
	}
	t.Run("an authority with no contact left makes the tip escalate at once", func(t *testing.T) {
		e := newEnv(t)
		e.fake.Fail(fakeapi.Failure{Status: 400, Code: 21211, Times: 10}) // every number invalid
		tp := e.newTip("tienen encerrada a una chica", tip.Triage{Urgency: tip.Critical, ImmediateDanger: true})
		if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			e.sweep()
		}
		r, err := e.store.Route(e.ctx, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != tip.RouteExhausted || len(e.fake.Outbox()) != 0 {
			t.Errorf("route = %s after %d sends, want exhausted without waiting for the delay", r.State, len(e.fake.Outbox()))
		}
	})
}

func TestEscalationAndAcknowledgement(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip(mddText, critical("PE-MDD", false))
	if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
		t.Fatal(err)
	}
	e.sweep()
	e.alerted(tier1MDD...)

	e.clock.Advance(testEscCrit - time.Second)
	e.sweep()
	e.alerted(tier1MDD...)

	e.clock.Advance(2 * time.Second)
	e.sweep()
	e.sweep()
	tier2 := append([]string{"+51900000112", "+51900000122", "+51900000911"}, tier1MDD...)
	e.alerted(tier2...)

	ack := e.d.Interceptor()
	text, handled, err := ack(e.ctx, twilio.Inbound{MessageSID: "SMack1", From: "+51900000122", Body: "ok " + strings.ToLower(tp.Ref)}, "rk-authority", store.Lookup{})
	if err != nil || !handled || !strings.Contains(text, tp.Ref) {
		t.Fatalf("acknowledgement answered %q, %v, %v; want a confirmation with %s", text, handled, err, tp.Ref)
	}
	// The same webhook replayed by Twilio: the same answer, nothing changes.
	again, _, err := ack(e.ctx, twilio.Inbound{MessageSID: "SMack1", From: "+51900000122", Body: "ok " + tp.Ref}, "rk-authority", store.Lookup{})
	if err != nil || again != text {
		t.Errorf("replayed acknowledgement answered %q, %v; want %q", again, err, text)
	}
	e.clock.Advance(time.Hour)
	e.sweep()
	e.alerted(tier2...)
	got := e.mustTip(tp.ID)
	if got.Status != tip.StatusAcknowledged {
		t.Errorf("tip status = %s, want acknowledged", got.Status)
	}
	r, _ := e.store.Route(e.ctx, tp.ID)
	if r.State != tip.RouteAcknowledged || r.AckBy != "pnp-trata-mdd" {
		t.Errorf("route = %+v, want acknowledged by pnp-trata-mdd", r)
	}
	if a := e.actions(tp.ID); a["escalate"] != 1 || a["acknowledged"] != 1 || a["escalation.stopped"] != 1 {
		t.Errorf("audit = %v, want one escalation, one acknowledgement, escalation stopped", a)
	}
}

func TestEscalationWritesAlertsAnEarlierWriteLeftOut(t *testing.T) {
	all := []string{"+51900000111", "+51900000121", "+51900000112", "+51900000122", "+51900000911", "+51900000912"}
	tests := []struct {
		name string
		lost tip.AlertKey // an alert whose write failed after its tier was reached
	}{
		{"a last-tier alert lost when the route reached the last tier is written before the route is exhausted",
			tip.AlertKey{AuthorityID: "dirctptim", Contact: 1}},
		{"a tier-2 alert lost when the route reached tier 2 is written at the next escalation",
			tip.AlertKey{AuthorityID: "dirctptim", Contact: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			for tier := 2; tier <= 3; tier++ {
				e.clock.Advance(testEscCrit + time.Second)
				if err := e.d.Escalate(e.ctx, tp.ID); err != nil {
					t.Fatal(err)
				}
				lost := tc.lost
				lost.TipID = tp.ID
				if a, err := e.store.Alert(e.ctx, lost); err == nil && a.Tier == tier {
					e.deleteAlert(lost)
				}
			}
			e.clock.Advance(testEscCrit + time.Second)
			for i := 0; i < 3; i++ {
				e.sweep()
			}
			e.alerted(all...)
			// Running the writes again (a replayed dispatch) alerts nobody twice.
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.sweep()
			e.alerted(all...)
			r, err := e.store.Route(e.ctx, tp.ID)
			if err != nil || r.State != tip.RouteExhausted {
				t.Errorf("route = %+v, %v; want exhausted", r, err)
			}
			if n := len(e.alertItems(tp.ID)); n != len(all) {
				t.Errorf("%d alert items, want %d", n, len(all))
			}
		})
	}
}

func TestAuthorityMessagesNeverBecomeTips(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip(mddText, critical("PE-MDD", false))
	ic := e.d.Interceptor()
	tests := []struct {
		name, from, body string
		handled          bool
		want             string
	}{
		{"a message that is no acknowledgement gets the help text", "+51900000111", "hola, quien es?", true, "OK"},
		{"an acknowledgement of an unknown reference says so", "+51900000111", "RECIBIDO ZZZZZZ", true, "No encontramos"},
		{"an authority not alerted for the tip learns nothing", "+51900000911", "ACK " + tp.Ref, true, "No encontramos"},
		{"a reporter's message goes on to the webhook", reporterNum, "OK " + tp.Ref, false, ""},
		{"a reporter's SI without a pending question goes on to the webhook", reporterNum, "SI", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, handled, err := ic(e.ctx, twilio.Inbound{MessageSID: "SMx", From: tc.from, Body: tc.body}, "rk-none", store.Lookup{})
			if err != nil || handled != tc.handled || !strings.Contains(text, tc.want) {
				t.Errorf("Interceptor() = %q, %v, %v; want handled %v with %q", text, handled, err, tc.handled, tc.want)
			}
		})
	}
	if got := e.mustTip(tp.ID); got.Status != tip.StatusTriaged {
		t.Errorf("tip status = %s, want still triaged", got.Status)
	}
}

// answers is the webhook's interceptor of consent answers, on the env's table.
func (e *env) answers() func(context.Context, twilio.Inbound, string, store.Lookup) (string, bool, error) {
	return consent.NewQuestions(e.store, e.book, edge.Logger(e.logs, "debug"), e.clock.Now).Interceptor()
}

func TestConsent(t *testing.T) {
	adult := tip.Triage{Urgency: tip.High, Category: tip.CategoryLabor, Region: "PE-MDD", Place: "Mazuko", Language: tip.LangSpanish}
	tests := []struct {
		name   string
		answer string
		want   []string
		state  tip.RouteState
		action string
	}{
		{"an adult victim who says SI is forwarded", "SI", tier1MDD, tip.RouteRouted, "consent.granted"},
		{"an adult victim who says no is not forwarded", "no", nil, tip.RouteDeclined, "consent.refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(selfText, adult)
			if !consent.Needed(tp.Triage, tp.Text) {
				t.Fatal("consent.Needed() = false for an adult victim's report")
			}
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			e.sweep()
			if n := len(e.fake.Outbox()); n != 0 {
				t.Fatalf("sent %d alerts before consent, want none", n)
			}
			in := twilio.Inbound{MessageSID: "SMconsent", From: reporterNum, Body: tc.answer}
			text, handled, err := e.answers()(e.ctx, in, tp.ReporterKey, store.Lookup{})
			if err != nil || !handled || !strings.Contains(text, tp.Ref) {
				t.Fatalf("consent answer = %q, %v, %v; want handled with the reference", text, handled, err)
			}
			again, _, _ := e.answers()(e.ctx, in, tp.ReporterKey, store.Lookup{})
			if again != text {
				t.Errorf("a replayed answer got %q, want %q", again, text)
			}
			e.clock.Advance(time.Minute)
			e.sweep()
			e.sweep()
			e.alerted(tc.want...)
			r, _ := e.store.Route(e.ctx, tp.ID)
			if r.State != tc.state {
				t.Errorf("route state = %s, want %s", r.State, tc.state)
			}
			if a := e.actions(tp.ID); a["consent.asked"] != 1 || a[tc.action] != 1 {
				t.Errorf("audit = %v, want consent asked and %s", a, tc.action)
			}
		})
	}
	late := []struct {
		name    string
		after   time.Duration // between the question and the answer
		answer  string
		handled bool
		want    []string
		state   tip.RouteState
	}{
		{"an SI three hours later, after the conversation closed, is forwarded", 3 * time.Hour, "SI", true, tier1MDD, tip.RouteRouted},
		{"a NO two days later is recorded", 48 * time.Hour, "NO", true, nil, tip.RouteDeclined},
		{"an SI eight days later, once the question expired, goes on as an ordinary message", 8 * 24 * time.Hour, "SI", false, nil, tip.RouteAwaitingConsent},
	}
	for _, tc := range late {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(selfText, adult)
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(tc.after)
			in := twilio.Inbound{MessageSID: "SMlate", From: reporterNum, Body: tc.answer}
			text, handled, err := e.answers()(e.ctx, in, tp.ReporterKey, store.Lookup{})
			if err != nil || handled != tc.handled || handled && !strings.Contains(text, tp.Ref) {
				t.Fatalf("consent answer = %q, %v, %v; want handled %v, with the reference when handled", text, handled, err, tc.handled)
			}
			e.clock.Advance(time.Minute) // past the grace left to the stream
			e.sweep()
			e.sweep()
			e.alerted(tc.want...)
			r, _ := e.store.Route(e.ctx, tp.ID)
			if r.State != tc.state {
				t.Errorf("route state = %s, want %s", r.State, tc.state)
			}
		})
	}
	t.Run("a minor or danger now is forwarded without asking", func(t *testing.T) {
		for _, tr := range []tip.Triage{{Urgency: tip.High, Minor: true, Reportable: true}, {Urgency: tip.Critical, ImmediateDanger: true, Reportable: true}} {
			if consent.Needed(tr, selfText) {
				t.Errorf("consent.Needed(%+v) = true, want false", tr)
			}
		}
		if consent.Needed(tip.Triage{Urgency: tip.High, Reportable: true}, "vi a unas chicas en un bar de Mazuko") {
			t.Error("consent.Needed() = true for a witness's report, want false")
		}
	})
}

func TestStatusCallbacks(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip(mddText, critical("PE-MDD", false))
	if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
		t.Fatal(err)
	}
	e.sweep()
	k := tip.AlertKey{TipID: tp.ID, AuthorityID: "fistrap-mdd", Contact: 0}
	a, err := e.store.Alert(e.ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	h := e.d.StatusHandler(twilio.NewValidator(testToken, testBase), testAccount)
	post := func(status, sid, code string, sign bool) int {
		target := testBase + "/twilio/status?" + url.Values{"alert": {k.String()}}.Encode()
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "AccountSid": {testAccount}, "To": {"+51900000111"}}
		if code != "" {
			form.Set("ErrorCode", code)
		}
		req := httptest.NewRequest(http.MethodPost, "/twilio/status?"+url.Values{"alert": {k.String()}}.Encode(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sign {
			req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, target, form))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	steps := []struct {
		name, status, sid string
		sign              bool
		wantCode          int
		wantDelivery      string
	}{
		{"an unsigned callback is refused", "delivered", a.SID, false, 403, "queued"},
		{"delivered is recorded", "delivered", a.SID, true, 204, "delivered"},
		{"a late sent does not move it back", "sent", a.SID, true, 204, "delivered"},
		{"the same callback twice changes nothing", "delivered", a.SID, true, 204, "delivered"},
		{"a callback for another message is ignored", "read", "SMother", true, 204, "delivered"},
		{"read is recorded", "read", a.SID, true, 204, "read"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if code := post(st.status, st.sid, "", st.sign); code != st.wantCode {
				t.Errorf("answer = %d, want %d", code, st.wantCode)
			}
			got, _ := e.store.Alert(e.ctx, k)
			if got.Delivery != st.wantDelivery {
				t.Errorf("delivery = %s, want %s", got.Delivery, st.wantDelivery)
			}
		})
	}
	t.Run("an undelivered message alerts the authority's next contact", func(t *testing.T) {
		k2 := tip.AlertKey{TipID: tp.ID, AuthorityID: "pnp-trata-mdd", Contact: 0}
		a2, _ := e.store.Alert(e.ctx, k2)
		k = k2
		if code := post("undelivered", a2.SID, "30003", true); code != 204 {
			t.Fatalf("answer = %d", code)
		}
		e.sweep()
		e.alerted(append([]string{"+51900000122"}, tier1MDD...)...)
	})
}

func TestConcurrentSendsOfOneAlertSendOnce(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip(mddText, critical("PE-MDD", false))
	if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
		t.Fatal(err)
	}
	k := tip.AlertKey{TipID: tp.ID, AuthorityID: "fistrap-mdd", Contact: 0}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.d.SendAlert(e.ctx, k); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.alerted("+51900000111")
}

func TestForwardByHand(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip("hay chicas en un bar, me parece raro", tip.Triage{Urgency: tip.Medium, Region: "PE-MDD"})
	for i := 0; i < 2; i++ {
		if err := e.d.Forward(e.ctx, tp.ID, "upe-mdd", "staff:ana"); err != nil {
			t.Fatal(err)
		}
	}
	e.sweep()
	e.alerted("+51900000131")
	if got := e.mustTip(tp.ID); got.Status != tip.StatusForwarded {
		t.Errorf("status = %s, want forwarded", got.Status)
	}
	audit, _ := e.store.Audit(e.ctx, tp.ID)
	forwards := 0
	for _, a := range audit {
		if a.Action == "forward" && a.Actor == "staff:ana" {
			forwards++
		}
	}
	if forwards != 2 {
		t.Errorf("%d forward audit entries by staff:ana, want 2", forwards)
	}
	if err := e.d.Forward(e.ctx, tp.ID, "nobody", "staff:ana"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("Forward(unknown authority) error = %v, want not found", err)
	}
}

func TestForwardByHandToAnAuthorityOfALaterTier(t *testing.T) {
	tests := []struct {
		name      string
		authority string
		want      []string // alerted after the forward, before any escalation
		escalated []string // alerted once nobody acknowledged, tier after tier
	}{
		{"forwarding to DIRCTPTIM, at tier 2 of the route, alerts its first contact now and once",
			"dirctptim", append([]string{"+51900000911"}, tier1MDD...),
			append([]string{"+51900000911", "+51900000912", "+51900000112", "+51900000122"}, tier1MDD...)},
		{"forwarding to an authority of tier 1 adds nobody and alerts nobody twice",
			"fistrap-mdd", tier1MDD,
			append([]string{"+51900000911", "+51900000912", "+51900000112", "+51900000122"}, tier1MDD...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := e.newTip(mddText, critical("PE-MDD", false))
			if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
			e.sweep()
			for i := 0; i < 2; i++ {
				if err := e.d.Forward(e.ctx, tp.ID, tc.authority, "staff:ana"); err != nil {
					t.Fatal(err)
				}
				e.sweep()
			}
			e.alerted(tc.want...)
			for i := 0; i < 3; i++ {
				e.clock.Advance(testEscCrit + time.Second)
				e.sweep()
			}
			e.alerted(tc.escalated...)
		})
	}
}

func TestLogsCarryNoBodiesNumbersOrSecrets(t *testing.T) {
	e := newEnv(t)
	e.fake.Fail(fakeapi.Failure{To: "+51900000121", Status: 400, Code: 21211})
	tp := e.newTip(mddText, critical("PE-MDD", true))
	e.clock.Advance(time.Minute)
	e.sweep()
	e.sweep()
	e.clock.Advance(testEscCrit)
	e.sweep()
	_, _, _ = e.d.Interceptor()(e.ctx, twilio.Inbound{MessageSID: "SMack", From: "+51900000111", Body: "OK " + tp.Ref}, "rk", store.Lookup{})
	logs := e.logs.String()
	if !strings.Contains(logs, "alert sent") || !strings.Contains(logs, "tip acknowledged") {
		t.Fatalf("the run logged no sends or acknowledgement:\n%s", logs)
	}
	forbidden := []string{mddText, "La Pampa km", "+519000001", "+519000009", "51900000", reporterNum, testToken, "TRATA", "Confirmado"}
	for _, f := range forbidden {
		if strings.Contains(logs, f) {
			t.Errorf("logs contain %q", f)
		}
	}
}
