package intake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/reply"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

func TestFloodGuard(t *testing.T) {
	h := newHarness(t, false)
	engine, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Past three messages in ten minutes, messages are only stored.
	guarded := intake.New(intake.Deps{Store: h.store, Triage: engine, Replies: book, Contacts: h.keeper,
		Validator: twilio.NewValidator(testToken, testBaseURL), Log: edge.Logger(h.logs, "debug"), AccountSID: testAccount,
		Now: h.clock.Now, FloodLimit: 3, FloodWindow: 10 * time.Minute})
	post := func(sid, body string) string {
		t.Helper()
		f := form(sid, "+51987650070", body)
		req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBaseURL+"/twilio/messages", f))
		rec := httptest.NewRecorder()
		guarded.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("webhook answered %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	for i, body := range []string{"Hola, quiero avisar algo", "hay una señora que vende comida", "en el mercado"} {
		if got := post("SM0000000000000000000000000000fl0"+string(rune('1'+i)), body); !strings.Contains(got, "<Message>") {
			t.Fatalf("message %d answered %q, want a reply", i+1, got)
		}
		h.clock.Advance(time.Minute)
	}
	before := h.tipOf("+51987650070")
	flooded := post("SM0000000000000000000000000000fl04", "auxilio ahora mismo la están golpeando a una niña de 12 años")
	t.Run("a message past the limit is stored but not answered", func(t *testing.T) {
		if strings.Contains(flooded, "<Message>") {
			t.Errorf("got %q, want an empty answer", flooded)
		}
		after := h.tipOf("+51987650070")
		if after.MessageCount != before.MessageCount+1 || !strings.Contains(after.Text, "golpeando") {
			t.Errorf("got %d messages and text %q, want the message stored", after.MessageCount, after.Text)
		}
		msgs, err := h.store.Messages(context.Background(), after.ID)
		if err != nil || len(msgs) != 4 {
			t.Errorf("got %d messages (%v), want 4", len(msgs), err)
		}
	})
	t.Run("nor re-triaged", func(t *testing.T) {
		after := h.tipOf("+51987650070")
		if after.Urgency != before.Urgency || after.ImmediateDanger != before.ImmediateDanger || after.Urgency == tip.Critical {
			t.Errorf("got urgency %s (danger %v), want the triage before the flood: %s", after.Urgency, after.ImmediateDanger, before.Urgency)
		}
	})
	t.Run("after the window messages are answered and triaged again", func(t *testing.T) {
		h.clock.Advance(10 * time.Minute)
		if got := post("SM0000000000000000000000000000fl05", "sigue ahí la niña de 12 años"); !strings.Contains(got, "<Message>") {
			t.Errorf("got %q, want a reply", got)
		}
		if after := h.tipOf("+51987650070"); !after.Minor {
			t.Errorf("got minor %v after the window, want the new message triaged", after.Minor)
		}
	})
}
