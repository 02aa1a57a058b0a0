package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tipline/shared/config"
	"tipline/shared/metric"
	"tipline/shared/metric/emfcheck"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

// emfBuffer is serve's output, read while serve writes it.
type emfBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *emfBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *emfBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// localServe is a serve run of one test on a loopback port with a fake
// Twilio API the test controls.
type localServe struct {
	t         *testing.T
	out       *emfBuffer
	addr      string // host:port it listens on
	publicURL string
	fake      *fakeapi.Server
	stop      func()
}

func startServe(t *testing.T, fake *fakeapi.Server, extra ...string) *localServe {
	t.Helper()
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	ctx, cancel := context.WithCancel(context.Background())
	s := &localServe{t: t, out: &emfBuffer{}, fake: fake}
	done := make(chan error, 1)
	// The embedded engine and the local defaults, whatever the environment.
	for _, name := range []string{"DYNAMODB_ENDPOINT", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "TWILIO_API_URL", "ANONYMOUS_MODE"} {
		t.Setenv(name, "")
	}
	dir := t.TempDir()
	args := append([]string{"-addr", "127.0.0.1:0", "-twilio-api-url", api.URL, "-sweep-every", "100ms",
		"-staff-token-key", filepath.Join(dir, "key"), "-data", filepath.Join(dir, "data"), "-dead-letters", filepath.Join(dir, "dead-letters")}, extra...)
	go func() { done <- serveUntil(ctx, args, s.out, io.Discard) }()
	s.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
		fake.Wait()
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			s.stop()
		}
	})
	s.waitFor("serve to start", func() bool {
		for _, l := range s.lines() {
			var rec struct {
				Msg       string `json:"msg"`
				Addr      string `json:"addr"`
				PublicURL string `json:"public_url"`
			}
			if json.Unmarshal(l, &rec) == nil && rec.Msg == "tipline serving" {
				s.addr, s.publicURL = rec.Addr, rec.PublicURL
				return true
			}
		}
		return false
	})
	return s
}

func (s *localServe) lines() [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(s.out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// waitFor polls cond until it holds, failing the test after a bound
// generous enough for a loaded machine (a wait, not a timing assertion).
func (s *localServe) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("gave up waiting for %s; serve wrote:\n%s", what, s.out.Bytes())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send posts a webhook signed as Twilio signs it and returns the answer.
func (s *localServe) send(sid, from, body string) string {
	s.t.Helper()
	form := url.Values{"MessageSid": {sid}, "AccountSid": {localAccountSID}, "From": {from}, "To": {"+51900000000"},
		"Body": {body}, "NumMedia": {"0"}}
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/twilio/messages", strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(config.LocalAuthToken, s.publicURL+"/twilio/messages", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("webhook answered %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

// emf returns the points of serve's EMF lines, failing on any line that
// does not follow the specification.
func (s *localServe) emf() ([]emfcheck.Point, [][]byte) {
	s.t.Helper()
	var pts []emfcheck.Point
	var raw [][]byte
	for _, l := range s.lines() {
		if !emfcheck.IsEMF(l) {
			continue
		}
		p, err := emfcheck.Parse(l)
		if err != nil {
			s.t.Errorf("EMF line %s: %v", l, err)
			continue
		}
		pts, raw = append(pts, p...), append(raw, l)
	}
	return pts, raw
}

func TestServeWritesEMFLinesWithoutReporterData(t *testing.T) {
	const reporter = "+51987650001"
	text := "Auxilio, en un bar de La Pampa km 108 en Madre de Dios tienen encerradas a dos chicas de 15 años, esta noche las llevan en una camioneta"
	fake := &fakeapi.Server{AccountSID: localAccountSID, AuthToken: config.LocalAuthToken, Callbacks: true}
	// The police unit's first contact refuses the alert (a permanent Twilio error).
	fake.Fail(fakeapi.Failure{To: "+51900000121", Status: http.StatusBadRequest, Code: 21610})
	s := startServe(t, fake)

	answer := s.send("SM0000000000000000000000000000e001", reporter, text)
	s.send("SM0000000000000000000000000000e002", reporter, "Es al lado del grifo, una casa azul")
	s.send("SM0000000000000000000000000000e003", "+51987650002", "Hola, buenas tardes")
	unsigned, _ := http.Post("http://"+s.addr+"/twilio/messages", "application/x-www-form-urlencoded", strings.NewReader("Body=x"))
	if unsigned != nil {
		unsigned.Body.Close()
	}
	s.waitFor("alerts delivered", func() bool {
		n := 0
		for _, m := range fake.Outbox() {
			if m.Status == "delivered" {
				n++
			}
		}
		return n >= 3
	})
	out := fake.Outbox()
	ref := strings.SplitN(strings.SplitN(out[0].Body, "aviso ", 2)[1], ":", 2)[0]
	s.send("SM0000000000000000000000000000e004", "+51900000111", "OK "+ref)
	s.waitFor("the acknowledgement's metrics", func() bool {
		pts, _ := s.emf()
		for _, p := range pts {
			if p.Name == metric.TipToAcknowledgement {
				return true
			}
		}
		return false
	})
	s.stop()

	pts, raw := s.emf()
	seen := map[string]float64{}
	for _, p := range pts {
		if p.Namespace != metric.Namespace {
			t.Errorf("got namespace %q, want %q", p.Namespace, metric.Namespace)
		}
		seen[p.Name] += p.Value
		for _, set := range p.Dimensions {
			for k, v := range set {
				if !allowedDimension(k, v) {
					t.Errorf("metric %s has dimension %s=%q, outside its closed set", p.Name, k, v)
				}
			}
		}
	}
	for _, name := range []string{metric.TipsReceived, metric.FollowUps, metric.WebhookDuration, metric.WebhookRefused,
		metric.TriageDecisionTime, metric.AlertsSent, metric.AlertsDelivered, metric.AlertsFailed,
		metric.AlertsAcknowledged, metric.TipToFirstAlert, metric.TipToAcknowledgement} {
		if _, ok := seen[name]; !ok {
			t.Errorf("no %s among serve's EMF lines (saw %v)", name, seen)
		}
	}
	if seen[metric.TipsReceived] != 2 {
		t.Errorf("got %v tips received, want 2", seen[metric.TipsReceived])
	}
	if seen[metric.AlertsFailed] < 1 {
		t.Errorf("got %v failed alerts, want the refused one", seen[metric.AlertsFailed])
	}
	// Nothing of the reporter, the text, the reference or an authority's number.
	secrets := []string{reporter, strings.TrimPrefix(reporter, "+"), "987650001", "987650002", ref, "La Pampa",
		"encerradas", "camioneta", "grifo", "Hola", "900000111", "900000121"}
	for _, l := range raw {
		for _, sec := range secrets {
			if bytes.Contains(l, []byte(sec)) {
				t.Errorf("an EMF line holds %q: %s", sec, l)
			}
		}
	}
	if !strings.Contains(answer, ref) {
		t.Errorf("the reporter's answer %q does not carry the reference %s the alerts carry", answer, ref)
	}
}

// allowedDimension tells whether a dimension is one of the closed sets.
func allowedDimension(k, v string) bool {
	switch k {
	case metric.KeyFunction:
		return v == "receive-message" || v == "alerts" || v == "serve"
	case metric.KeyChannel:
		return v == "sms" || v == "whatsapp"
	case metric.KeyUrgency:
		return v == "critical" || v == "high" || v == "medium" || v == "low" || v == "other"
	case metric.KeyRegion:
		return v == "none" || (len(v) == 6 && strings.HasPrefix(v, "PE-"))
	case metric.KeyReason:
		return !strings.ContainsAny(v, " +0123456789")
	}
	return false
}
