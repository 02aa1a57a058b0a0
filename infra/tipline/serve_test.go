package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tipline/shared/config"
	"tipline/shared/twilio"
)

// startTestStack runs serve's stack with the embedded engine on a loopback
// port, as `tipline serve` builds it.
func startTestStack(t *testing.T, args ...string) *httptest.Server {
	t.Helper()
	// The embedded engine and the local defaults, whatever the environment.
	for _, name := range []string{"DYNAMODB_ENDPOINT", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "TWILIO_API_URL", "ANONYMOUS_MODE"} {
		t.Setenv(name, "")
	}
	c, err := parseServe(append([]string{"-staff-token-key", filepath.Join(t.TempDir(), "key"), "-sweep-every", "50ms", "-data", t.TempDir()}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.PublicBaseURL = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	h, closeDB, err := startStack(ctx, c, slog.New(slog.NewJSONHandler(io.Discard, nil)), &wg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); cancel(); wg.Wait(); closeDB() })
	return srv
}

func postSigned(t *testing.T, srv *httptest.Server, sid, from, body string) string {
	t.Helper()
	form := url.Values{"MessageSid": {sid}, "AccountSid": {localAccountSID}, "From": {from}, "To": {"+51900000000"}, "Body": {body}, "NumMedia": {"0"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(config.LocalAuthToken, srv.URL+"/twilio/messages", form))
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d: %s", res.StatusCode, b)
	}
	return string(b)
}

func TestServeWiresTheStackAsTheFunctions(t *testing.T) {
	srv := startTestStack(t)
	t.Run("an adult victim's report is answered with the consent question", func(t *testing.T) {
		got := postSigned(t, srv, "SM000000000000000000000000000e0001", "+51987650001",
			"Trabajo en un bar de Mazuko en Madre de Dios, me quitaron mi DNI y no me pagan, dicen que debo el pasaje")
		if !strings.Contains(got, "Responde SI o NO") {
			t.Errorf("reply %q does not ask for consent", got)
		}
	})
	t.Run("a critical tip reaches the fake Twilio outbox through the sweep", func(t *testing.T) {
		postSigned(t, srv, "SM000000000000000000000000000e0002", "+51987650002",
			"Auxilio, en un bar de La Pampa km 108 en Madre de Dios tienen encerradas a dos chicas de 15 años, esta noche las llevan")
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := srv.Client().Get(srv.URL + "/local/outbox")
			if err != nil {
				t.Fatal(err)
			}
			var out []struct{ To, Body string }
			err = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(out) > 0 {
				if !strings.Contains(out[0].Body, "TRATA") {
					t.Errorf("outbox %+v: want an alert", out)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("no alert in the outbox")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("the staff API refuses a request without a token", func(t *testing.T) {
		res, err := srv.Client().Get(srv.URL + "/api/tips")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /api/tips without a token answered %d, want 401", res.StatusCode)
		}
	})
}

func TestServeFlagsAreTheConfigurationTable(t *testing.T) {
	t.Run("an unknown argument is refused", func(t *testing.T) {
		if _, err := parseServe([]string{"extra"}, io.Discard); err == nil {
			t.Error("parseServe accepted a stray argument")
		}
	})
	t.Run("the high escalation defaults to six times the critical one", func(t *testing.T) {
		c, err := parseServe([]string{"-escalate-after", "2m"}, io.Discard)
		if err != nil || c.EscalateHigh != 12*time.Minute {
			t.Errorf("EscalateHigh = %v, %v; want 12m", c.EscalateHigh, err)
		}
	})
	t.Run("a short reporter secret stops serve as it stops a function", func(t *testing.T) {
		c, err := parseServe([]string{"-reporter-key-secret", "short"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "REPORTER_KEY_SECRET") {
			t.Errorf("parseServe = %+v, %v; want REPORTER_KEY_SECRET named", c.ReporterSecret, err)
		}
	})
}
