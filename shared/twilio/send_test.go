package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tipline/shared/tip"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

const (
	sendAccount = "AC22222222222222222222222222222222"
	sendToken   = "tiplinesendtoken"
)

// loopbackOnly refuses any request to a host that is not a loopback address.
type loopbackOnly struct{}

func (loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	host, _, err := net.SplitHostPort(r.URL.Host)
	if err != nil {
		host = r.URL.Host
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test refused a request to %s", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func newFake(t *testing.T) (*fakeapi.Server, *twilio.Sender) {
	t.Helper()
	fake := &fakeapi.Server{AccountSID: sendAccount, AuthToken: sendToken}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	s, err := twilio.NewSender(twilio.SenderConfig{AccountSID: sendAccount, AuthToken: sendToken, APIURL: srv.URL,
		Timeout: 300 * time.Millisecond, Transport: loopbackOnly{}})
	if err != nil {
		t.Fatal(err)
	}
	return fake, s
}

func TestSend(t *testing.T) {
	tests := []struct {
		name          string
		failure       *fakeapi.Failure
		wantKind      tip.Kind // 0 (internal) stands for success
		wantCode      int
		wantUnknown   bool
		wantRecorded  int
		wantTransient bool
	}{
		{name: "an accepted message returns its SID and is in the outbox", wantRecorded: 1},
		{name: "a 500 is transient and its outcome unknown", failure: &fakeapi.Failure{Status: 500, Code: 20500}, wantKind: tip.KindTransient, wantCode: 20500, wantTransient: true, wantUnknown: true},
		{name: "a 500 after Twilio accepted leaves the message sent and the outcome unknown", failure: &fakeapi.Failure{Status: 500, Code: 20500, Accept: true}, wantKind: tip.KindTransient, wantCode: 20500, wantTransient: true, wantUnknown: true, wantRecorded: 1},
		{name: "a 429 is transient", failure: &fakeapi.Failure{Status: 429, Code: 20429}, wantKind: tip.KindTransient, wantCode: 20429, wantTransient: true},
		{name: "a 503 is transient and its outcome unknown", failure: &fakeapi.Failure{Status: 503, Code: 20503}, wantKind: tip.KindTransient, wantCode: 20503, wantTransient: true, wantUnknown: true},
		{name: "a timeout is transient and its outcome unknown", failure: &fakeapi.Failure{Delay: 2 * time.Second}, wantKind: tip.KindTransient, wantUnknown: true, wantTransient: true},
		{name: "a timeout after Twilio accepted leaves the message sent: the duplicate window", failure: &fakeapi.Failure{Delay: 2 * time.Second, Accept: true}, wantKind: tip.KindTransient, wantUnknown: true, wantTransient: true, wantRecorded: 1},
		{name: "21610 (the recipient opted out) is permanent", failure: &fakeapi.Failure{Status: 400, Code: 21610}, wantKind: tip.KindInvalid, wantCode: 21610},
		{name: "21211 (invalid number) is permanent", failure: &fakeapi.Failure{Status: 400, Code: 21211}, wantKind: tip.KindInvalid, wantCode: 21211},
		{name: "63016 (outside the WhatsApp window) is permanent", failure: &fakeapi.Failure{Status: 400, Code: 63016}, wantKind: tip.KindInvalid, wantCode: 63016},
		{name: "401 (bad credentials) is transient: an operator fixes it, contacts are not given up", failure: &fakeapi.Failure{Status: 401, Code: 20003}, wantKind: tip.KindTransient, wantCode: 20003, wantTransient: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, s := newFake(t)
			if tc.failure != nil {
				fake.Fail(*tc.failure)
			}
			sid, err := s.Send(context.Background(), "+51900000000", "+51900000101", "Aviso K7Q3MX")
			if tc.wantKind == tip.KindInternal {
				if err != nil {
					t.Fatalf("Send() error = %v, want none", err)
				}
				if !strings.HasPrefix(sid, "SM") || len(sid) != 34 {
					t.Errorf("Send() sid = %q, want an SM… sid", sid)
				}
			} else {
				if err == nil {
					t.Fatalf("Send() = %q, want an error of kind %s", sid, tc.wantKind)
				}
				if got := tip.KindOf(err); got != tc.wantKind {
					t.Errorf("Send() error kind = %s, want %s (%v)", got, tc.wantKind, err)
				}
				if got := twilio.Code(err); got != tc.wantCode {
					t.Errorf("Code() = %d, want %d", got, tc.wantCode)
				}
				if got := twilio.Unknown(err); got != tc.wantUnknown {
					t.Errorf("Unknown() = %v, want %v", got, tc.wantUnknown)
				}
				if strings.Contains(err.Error(), "+51900000101") {
					t.Errorf("the error %q quotes the recipient's number", err)
				}
			}
			out := fake.Outbox()
			if len(out) != tc.wantRecorded {
				t.Fatalf("outbox has %d messages, want %d", len(out), tc.wantRecorded)
			}
			if len(out) == 1 && (out[0].To != "+51900000101" || out[0].From != "+51900000000" || out[0].Body != "Aviso K7Q3MX") {
				t.Errorf("outbox = %+v, want the message as sent", out[0])
			}
		})
	}
}

func TestSendTemplateAndCallback(t *testing.T) {
	t.Run("a WhatsApp template goes with its ContentSid, variables and status callback, without a body", func(t *testing.T) {
		fake, s := newFake(t)
		_, err := s.SendMessage(context.Background(), twilio.Message{From: "whatsapp:+51900000000", To: "whatsapp:+51900000101",
			ContentSID: "HX00000000000000000000000000000000", ContentVariables: `{"1":"K7Q3MX"}`,
			StatusCallback: "https://tips.example.org/twilio/status?alert=x"})
		if err != nil {
			t.Fatal(err)
		}
		out := fake.Outbox()
		if len(out) != 1 || out[0].ContentSID != "HX00000000000000000000000000000000" || out[0].ContentVariables != `{"1":"K7Q3MX"}` ||
			out[0].Body != "" || out[0].StatusCallback != "https://tips.example.org/twilio/status?alert=x" {
			t.Errorf("outbox = %+v, want the template message", out)
		}
	})
}

func TestSendContext(t *testing.T) {
	t.Run("a cancelled context sends nothing and is transient", func(t *testing.T) {
		fake, s := newFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Send(ctx, "+51900000000", "+51900000101", "x")
		if !tip.Is(err, tip.KindTransient) || fake.Requests() != 0 {
			t.Errorf("Send() error = %v after %d requests, want transient and none", err, fake.Requests())
		}
	})
}

func TestNewSenderRefusesBadCredentials(t *testing.T) {
	tests := []struct {
		name         string
		sid, token   string
		apiURL, want string
	}{
		{"an empty account SID is refused, never read from the environment", "", sendToken, "", "account SID"},
		{"an empty auth token is refused", sendAccount, "", "", "auth token"},
		{"a token with punctuation is refused before any request", sendAccount, "fake-token", "", "auth token"},
		{"an API URL that is not http is refused", sendAccount, sendToken, "ftp://x", "API URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TWILIO_ACCOUNT_SID", sendAccount)
			t.Setenv("TWILIO_AUTH_TOKEN", sendToken)
			_, err := twilio.NewSender(twilio.SenderConfig{AccountSID: tc.sid, AuthToken: tc.token, APIURL: tc.apiURL})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewSender() error = %v, want one about the %s", err, tc.want)
			}
		})
	}
}

func TestSendNonJSONError(t *testing.T) {
	t.Run("a proxy's 502 page without Twilio's JSON is transient, its outcome unknown", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		}))
		defer srv.Close()
		s, err := twilio.NewSender(twilio.SenderConfig{AccountSID: sendAccount, AuthToken: sendToken, APIURL: srv.URL, Transport: loopbackOnly{}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Send(context.Background(), "+51900000000", "+51900000101", "x")
		var se *twilio.SendError
		if !tip.Is(err, tip.KindTransient) || !errors.As(err, &se) || se.Status != 502 || !twilio.Unknown(err) {
			t.Errorf("Send() error = %v, want transient with status 502 and an unknown outcome", err)
		}
	})
}
