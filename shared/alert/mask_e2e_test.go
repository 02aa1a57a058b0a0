package alert_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"tipline/shared/edge"
	"tipline/shared/intake/masktest"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/twilio"
)

// criticalText makes every test tip reportable: children held now, in
// Madre de Dios. It has no digits, so that none can join the number's.
const criticalText = "Auxilio, en un bar de La Pampa en Madre de Dios tienen encerradas a dos niñas menores de edad, esta noche las llevan en una camioneta."

// TestSenderNumberNeverLeavesTheTip sends every format of masktest through
// the webhook, alerts the tip, and reads it as staff (detail and CSV): the
// sender's number is in none of them, nor in the outbox or the logs, and
// another number in the message reaches them all.
func TestSenderNumberNeverLeavesTheTip(t *testing.T) {
	for i, f := range masktest.Formats() {
		t.Run("the sender's number "+f.Name+" reaches no one", func(t *testing.T) {
			e := newEnv(t)
			sid := "SM" + strings.Repeat("0", 28) + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "ms"
			form := url.Values{"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {f.From}, "To": {"+51900000000"},
				"Body": {criticalText + " " + f.Text}, "NumMedia": {"0"}}
			if f.Where != masktest.Body {
				form.Set("From", "whatsapp:"+f.From)
				form.Set("To", "whatsapp:+51900000000")
				form.Set("Body", criticalText)
				form.Set("Latitude", "-12.59")
				form.Set("Longitude", "-69.19")
				if f.Where == masktest.Label {
					form.Set("Label", f.Text)
				} else {
					form.Set("Address", f.Text)
				}
			}
			req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBase+"/twilio/messages", form))
			w := httptest.NewRecorder()
			e.webhook().ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("webhook answered %d: %s", w.Code, w.Body)
			}
			e.clock.Advance(time.Minute)
			e.sweep()
			out := e.fake.Outbox()
			if len(out) == 0 {
				t.Fatal("no alert went out: the test tip must be reportable")
			}
			var seen []string
			for _, m := range out {
				seen = append(seen, "alert to "+m.To+": "+m.Body)
			}
			tips, err := e.store.ListTips(e.ctx, store.TipQuery{})
			if err != nil || len(tips.Tips) != 1 {
				t.Fatalf("queue: %v, %v; want one tip", tips, err)
			}
			id := tips.Tips[0].ID
			msgs, err := e.store.Messages(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, "stored text: "+tips.Tips[0].Text)
			for _, m := range msgs {
				seen = append(seen, "stored message: "+m.Body)
				if m.Location != nil {
					seen = append(seen, "stored location: "+m.Location.Label+" / "+m.Location.Address)
				}
			}
			api := e.staffAPI(staff.RoleSupervisor)
			seen = append(seen, "detail: "+api.get(t, "/api/tips/"+id), "CSV: "+api.get(t, "/api/tips.csv"))
			seen = append(seen, "logs: "+e.logs.String())
			all := strings.Join(seen, "\n")
			for _, s := range seen {
				if masktest.Leaks(s, f.From) {
					t.Errorf("the sender's number reached %q", s)
				}
			}
			if f.Keep != "" && strings.Count(all, f.Keep) < 3 {
				t.Errorf("the other number %s did not reach staff and authorities:\n%s", f.Keep, all)
			}
		})
	}
}

// staffClient calls the staff API as a user of one role.
type staffClient struct {
	h     http.Handler
	token string
}

// staffAPI is the staff API on the env's store, for a user of role in
// regions.
func (e *env) staffAPI(role staff.Role, regions ...string) staffClient {
	e.t.Helper()
	tokens := staff.LocalTokens{Key: []byte("mask-test-signing-key-0123456789"), Issuer: staff.LocalIssuer, Audience: staff.LocalAudience, Now: e.clock.Now}
	tok, err := tokens.Issue("user-"+role.String(), role, regions, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	h := staff.New(staff.Deps{Store: e.store, Auth: tokens, Log: edge.Logger(e.logs, "debug"), Now: e.clock.Now})
	return staffClient{h: h, token: tok}
}

func (c staffClient) get(t *testing.T, path string) string {
	t.Helper()
	code, body := c.do(http.MethodGet, path, "")
	if code != http.StatusOK {
		t.Fatalf("GET %s answered %d: %s", path, code, body)
	}
	return body
}

func (c staffClient) do(method, path, body string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	out, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(out)
}
