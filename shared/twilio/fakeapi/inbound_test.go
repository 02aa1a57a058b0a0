package fakeapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

const (
	account = "AC55555555555555555555555555555555"
	token   = "tiplinefaketoken"
)

// webhook answers status and counts the signed requests it received.
func webhook(t *testing.T, status int) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.Header.Get(twilio.SignatureHeader) != twilio.Sign(token, srv.URL+r.URL.Path, r.PostForm) {
			t.Errorf("webhook request to %s not signed for it", r.URL.Path)
		}
		n.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestInboundIsDeliveredAsTwilioDeliversIt(t *testing.T) {
	tests := []struct {
		name           string
		primary        int
		fallback       bool
		wantPrimary    int64
		wantFallback   int64
		wantDeliveries int
	}{
		{"a webhook answering 200 gets the message once", 200, true, 1, 0, 1},
		{"a webhook answering 503 is not asked again, and the fallback once", 503, true, 1, 1, 2},
		{"a webhook answering 503 without a fallback loses the message", 503, false, 1, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			primary, pn := webhook(t, tc.primary)
			fallback, fn := webhook(t, 200)
			fake := &fakeapi.Server{AccountSID: account, AuthToken: token, WebhookURL: primary.URL + "/twilio/messages"}
			if tc.fallback {
				fake.FallbackURL = fallback.URL + "/twilio/fallback"
			}
			h := fake.InboundHandler()
			rec := httptest.NewRecorder()
			form := url.Values{"From": {"+51987654321"}, "To": {"+51900000000"}, "Body": {"hola"}}
			req := httptest.NewRequest(http.MethodPost, "/local/inbound", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(rec, req)
			var got struct{ SID string }
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 || !strings.HasPrefix(got.SID, "SM") || len(got.SID) != 34 {
				t.Fatalf("POST /local/inbound = %d %s, want 200 with an SM… sid", rec.Code, rec.Body)
			}
			fake.Wait()
			if pn.Load() != tc.wantPrimary || fn.Load() != tc.wantFallback {
				t.Errorf("webhook got %d requests and fallback %d, want %d and %d", pn.Load(), fn.Load(), tc.wantPrimary, tc.wantFallback)
			}
			if d := fake.Deliveries(got.SID); len(d) != tc.wantDeliveries {
				t.Errorf("deliveries = %+v, want %d", d, tc.wantDeliveries)
			}
			if in := fake.Inbox(); len(in) != 1 || in[0].SID != got.SID || in[0].Direction != "inbound" {
				t.Errorf("inbox = %+v, want the one message", in)
			}
		})
	}
}

func TestInboundRefusesIncompleteMessages(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
	}{
		{"without From", url.Values{"To": {"+51900000000"}, "Body": {"hola"}}},
		{"without To", url.Values{"From": {"+51987654321"}, "Body": {"hola"}}},
		{"without Body or media", url.Values{"From": {"+51987654321"}, "To": {"+51900000000"}}},
	}
	for _, tc := range tests {
		t.Run("a message "+tc.name+" is refused with 400 and not kept", func(t *testing.T) {
			fake := &fakeapi.Server{AccountSID: account, AuthToken: token}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/local/inbound", strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			fake.InboundHandler().ServeHTTP(rec, req)
			if rec.Code != 400 || len(fake.Inbox()) != 0 {
				t.Errorf("got %d with %d kept, want 400 and none", rec.Code, len(fake.Inbox()))
			}
		})
	}
}
