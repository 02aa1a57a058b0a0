package alert_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/edge"
	"tipline/shared/twilio"
)

// webhook is the inbound handler built as receive-message builds it, by
// the composition root: the alert interceptor first, consent asked for
// adult victims. Alerts it writes are sent by the env's dispatcher.
func (e *env) webhook() http.Handler {
	e.t.Helper()
	cfg := config.Default()
	cfg.Table, cfg.PublicBaseURL, cfg.AuthToken = e.table, testBase, testToken
	cfg.ReporterSecret, cfg.Anonymous = "alert-test-reporter-secret", true
	cfg.EscalateCritical, cfg.EscalateHigh = testEscCrit, time.Hour
	if err := cfg.Validate(config.ReceiveMessage); err != nil {
		e.t.Fatal(err)
	}
	h, err := app.New(cfg, config.ReceiveMessage, app.Clients{DB: e.db, Now: e.clock.Now, Log: edge.Logger(e.logs, "debug")}).Webhook()
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// send posts a signed inbound message and returns the TwiML answer.
func (e *env) send(h http.Handler, sid, from, body string) string {
	e.t.Helper()
	form := url.Values{"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {from}, "To": {"+51900000000"},
		"Body": {body}, "NumMedia": {"0"}}
	req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBase+"/twilio/messages", form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		e.t.Fatalf("webhook answered %d: %s", w.Code, w.Body)
	}
	return w.Body.String()
}

func TestEndToEndThroughTheWebhook(t *testing.T) {
	t.Run("a critical tip from Madre de Dios reaches its contacts once, a replay and a greeting reach nobody, OK stops escalation", func(t *testing.T) {
		e := newEnv(t)
		h := e.webhook()
		text := "Auxilio, en un bar de La Pampa km 108 en Madre de Dios tienen encerradas a dos chicas de 15 años, esta noche las llevan en una camioneta"
		first := e.send(h, "SM00000000000000000000000000000e2e", reporterNum, text)
		again := e.send(h, "SM00000000000000000000000000000e2e", reporterNum, text)
		if first != again {
			t.Errorf("the replayed webhook got %q, want %q", again, first)
		}
		e.send(h, "SM00000000000000000000000000000e2f", "+51987650002", "Hola, buenas tardes")
		e.clock.Advance(time.Minute)
		e.sweep()
		out := e.fake.Outbox()
		got := e.sentTo()
		for _, n := range tier1MDD {
			if got[n] != 1 {
				t.Errorf("outbox %v: want %s alerted once", got, n)
			}
		}
		for _, m := range out {
			if strings.Contains(m.Body, reporterNum) || strings.Contains(m.Body, "+51987650002") {
				t.Errorf("an alert carries a reporter's number: %q", m.Body)
			}
		}
		ref := strings.SplitN(strings.SplitN(out[0].Body, "aviso ", 2)[1], ":", 2)[0]
		sentBefore := len(out)
		reply := e.send(h, "SM00000000000000000000000000000ack", "+51900000111", "OK "+ref)
		if !strings.Contains(reply, "Confirmado") || !strings.Contains(reply, ref) {
			t.Errorf("acknowledgement answered %q", reply)
		}
		e.clock.Advance(2 * testEscCrit)
		e.sweep()
		e.atMostOnce()
		if n := len(e.fake.Outbox()); n != sentBefore {
			t.Errorf("%d alerts after the acknowledgement, want none", n-sentBefore)
		}
		if len(e.actions(e.mustTipByRef(ref))) == 0 {
			t.Error("no audit trail")
		}
	})
	t.Run("an adult victim's report is answered with the consent question and forwarded on SI", func(t *testing.T) {
		e := newEnv(t)
		h := e.webhook()
		first := e.send(h, "SM000000000000000000000000000c0001", reporterNum,
			"Trabajo en un bar de Mazuko en Madre de Dios, me quitaron mi DNI y no me pagan, dicen que debo el pasaje")
		if !strings.Contains(first, "Responde SI o NO") {
			t.Skipf("triage did not find this report reportable; reply %q", first)
		}
		e.clock.Advance(time.Minute)
		e.sweep()
		if n := len(e.fake.Outbox()); n != 0 {
			t.Fatalf("%d alerts before consent, want none", n)
		}
		answer := e.send(h, "SM000000000000000000000000000c0002", reporterNum, "Sí")
		if !strings.Contains(answer, "Avisaremos") {
			t.Errorf("the SI was answered %q", answer)
		}
		e.clock.Advance(time.Minute)
		e.sweep()
		e.atMostOnce()
		if n := len(e.fake.Outbox()); n == 0 {
			t.Error("no alert after the reporter's SI")
		}
	})
}

func (e *env) mustTipByRef(ref string) string {
	e.t.Helper()
	t, err := e.store.TipByRef(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return t.ID
}
