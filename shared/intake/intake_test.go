package intake_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"tipline/shared/campaign"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"tipline/infra/localdb"
	"tipline/shared/contact"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

const (
	reporterSecret = "test-reporter-secret-0123456789"
	contactKeyB64  = "dGVzdC1jb250YWN0LWtleS0wMTIzNDU2Nzg5YWJjZGU="
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type harness struct {
	t      testing.TB
	db     *localdb.Engine
	store  *store.Store
	keeper *contact.Keeper
	clock  *clock
	logs   *syncBuffer
	lambda func() lambda.Handler // one per invocation: a Lambda handler serves one event at a time
	http   http.Handler
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newHarness(t testing.TB, anonymous bool) *harness {
	t.Helper()
	db, err := localdb.Embedded(context.Background(), "tipline")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, db, "tipline", anonymous)
	h.db = db
	return h
}

func newHarnessOn(t testing.TB, db store.API, table string, anonymous bool, opts ...func(*intake.Deps)) *harness {
	t.Helper()
	var err error
	c := &clock{t: time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)}
	st := store.New(db, table, c.now)
	var key []byte
	if !anonymous {
		if key, err = contact.DecodeKey(contactKeyB64); err != nil {
			t.Fatal(err)
		}
	}
	keeper, err := contact.NewKeeper([]byte(reporterSecret), key)
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
	logs := &syncBuffer{}
	deps := intake.Deps{
		Store: st, Triage: engine, Replies: book, Contacts: keeper,
		Validator: twilio.NewValidator(testToken, testBaseURL), Log: edge.Logger(logs, "debug"),
		AccountSID: testAccount, Now: c.now, Attributor: campaign.NewAttributor(st, c.now, time.Minute),
	}
	for _, o := range opts {
		o(&deps)
	}
	h := intake.New(deps)
	return &harness{t: t, store: st, keeper: keeper, clock: c, logs: logs,
		lambda: func() lambda.Handler { return lambda.NewHandler(edge.APIGateway(h)) }, http: h}
}

// invoke feeds an event through the Lambda handler as the runtime would.
func (h *harness) invoke(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	h.t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		h.t.Fatal(err)
	}
	out, err := h.lambda().Invoke(context.Background(), payload)
	if err != nil {
		h.t.Fatalf("Invoke: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		h.t.Fatalf("decode response: %v", err)
	}
	if resp.IsBase64Encoded {
		b, _ := base64.StdEncoding.DecodeString(resp.Body)
		resp.Body = string(b)
	}
	return resp
}

// post sends a form signed as Twilio would, straight to the net/http handler.
func (h *harness) post(form url.Values, mutate func(*http.Request)) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBaseURL+"/twilio/messages", form))
	if mutate != nil {
		mutate(req)
	}
	rec := httptest.NewRecorder()
	h.http.ServeHTTP(rec, req)
	return rec
}

func form(sid, from, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "AccountSid": {testAccount}, "From": {from}, "To": {"+51900000000"},
		"Body": {body}, "NumMedia": {"0"}}
}

// tipOf returns the tip a reporter's open conversation points to.
func (h *harness) tipOf(from string) *tip.Tip {
	h.t.Helper()
	c, err := h.store.OpenConversation(context.Background(), h.keeper.Key(from))
	if err != nil {
		h.t.Fatalf("no open conversation for the reporter: %v", err)
	}
	tp, err := h.store.Tip(context.Background(), c.TipID)
	if err != nil {
		h.t.Fatal(err)
	}
	return tp
}

func (h *harness) hasTip(from string) bool {
	_, err := h.store.OpenConversation(context.Background(), h.keeper.Key(from))
	return err == nil
}

func formOf(t *testing.T, ev events.APIGatewayV2HTTPRequest) url.Values {
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEventsThroughLambda(t *testing.T) {
	tests := []struct {
		file   string
		status int
		check  func(t *testing.T, h *harness, f url.Values, body string)
	}{
		{"twilio-sms.json", 200, func(t *testing.T, h *harness, f url.Values, body string) {
			tp := h.tipOf(f.Get("From"))
			if !strings.Contains(body, tp.Ref) || !strings.Contains(body, "105") || !strings.Contains(body, "1818") {
				t.Errorf("reply %q lacks the reference %s, 105 or 1818", body, tp.Ref)
			}
			if tp.Channel != tip.SMS || tp.Text != f.Get("Body") || tp.MessageCount != 1 || tp.Status != tip.StatusTriaged {
				t.Errorf("stored tip = %+v", tp)
			}
			addr, err := h.keeper.Open(tp.Contact, tp.ReporterKey)
			if err != nil || addr != f.Get("From") {
				t.Errorf("sealed contact opens to %q, %v; want the sender", addr, err)
			}
		}},
		{"twilio-whatsapp.json", 200, func(t *testing.T, h *harness, f url.Values, body string) {
			tp := h.tipOf(strings.TrimPrefix(f.Get("From"), "whatsapp:"))
			if tp.Channel != tip.WhatsApp || !strings.Contains(body, tp.Ref) {
				t.Errorf("tip channel %s, reply %q; want whatsapp and the reference", tp.Channel, body)
			}
			addr, _ := h.keeper.Open(tp.Contact, tp.ReporterKey)
			if addr != f.Get("From") {
				t.Errorf("sealed contact = %q, want the WhatsApp address", addr)
			}
		}},
		{"twilio-media-only.json", 200, func(t *testing.T, h *harness, f url.Values, body string) {
			tp := h.tipOf(strings.TrimPrefix(f.Get("From"), "whatsapp:"))
			msgs, err := h.store.Messages(context.Background(), tp.ID)
			if err != nil || len(msgs) != 1 || len(msgs[0].Media) != 2 || msgs[0].Media[1].ContentType != "audio/ogg" ||
				msgs[0].Media[0].URL != f.Get("MediaUrl0") {
				t.Errorf("messages = %+v, %v; want one with both media references", msgs, err)
			}
		}},
		{"twilio-whatsapp-location.json", 200, func(t *testing.T, h *harness, f url.Values, body string) {
			tp := h.tipOf(strings.TrimPrefix(f.Get("From"), "whatsapp:"))
			msgs, _ := h.store.Messages(context.Background(), tp.ID)
			if len(msgs) != 1 || msgs[0].Location == nil || msgs[0].Location.Latitude != -12.5933 || msgs[0].Location.Label != "Discoteca La Noche" {
				t.Errorf("messages = %+v, want the shared location", msgs)
			}
			if !strings.Contains(tp.Text, "Puerto Maldonado") {
				t.Errorf("tip text %q does not carry the location's address for triage", tp.Text)
			}
		}},
		{"twilio-opt-out.json", 200, func(t *testing.T, h *harness, f url.Values, body string) {
			out, err := h.store.OptedOut(context.Background(), h.keeper.Key(f.Get("From")))
			if err != nil || !out {
				t.Errorf("OptedOut = %v, %v; want true", out, err)
			}
			if h.hasTip(f.Get("From")) {
				t.Errorf("an opt-out keyword opened a tip")
			}
			if !strings.Contains(body, "ALTA") {
				t.Errorf("reply %q does not say how to opt back in", body)
			}
		}},
		{"twilio-bad-signature.json", 403, func(t *testing.T, h *harness, f url.Values, body string) {
			if h.hasTip(f.Get("From")) {
				t.Errorf("a forged request stored a tip")
			}
			if _, err := h.store.Replay(context.Background(), f.Get("MessageSid")); !tip.Is(err, tip.KindNotFound) {
				t.Errorf("a forged request left a dedupe record")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			h := newHarness(t, false)
			ev := loadEvent(t, tc.file)
			resp := h.invoke(ev)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if tc.status == 200 {
				if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "text/xml") {
					t.Errorf("Content-Type = %q, want text/xml", ct)
				}
				if !strings.HasPrefix(resp.Body, `<?xml version="1.0" encoding="UTF-8"?><Response>`) {
					t.Errorf("body = %q, want TwiML", resp.Body)
				}
			}
			tc.check(t, h, formOf(t, ev), resp.Body)
		})
	}
}

func TestReplayIsIdempotent(t *testing.T) {
	t.Run("a replayed webhook gets the identical reply and creates nothing", func(t *testing.T) {
		h := newHarness(t, false)
		ev := loadEvent(t, "twilio-sms.json")
		first := h.invoke(ev)
		h.clock.advance(3 * time.Second)
		second := h.invoke(ev)
		if first.StatusCode != 200 || second.Body != first.Body {
			t.Errorf("replay answered %d %q, want the first reply %q", second.StatusCode, second.Body, first.Body)
		}
		tp := h.tipOf(formOf(t, ev).Get("From"))
		msgs, _ := h.store.Messages(context.Background(), tp.ID)
		if tp.MessageCount != 1 || len(msgs) != 1 || tp.Version != 1 {
			t.Errorf("after a replay: %d messages stored, count %d, version %d; want 1, 1, 1", len(msgs), tp.MessageCount, tp.Version)
		}
	})
	t.Run("concurrent deliveries of one message give one tip and one reply", func(t *testing.T) {
		h := newHarness(t, false)
		ev := loadEvent(t, "twilio-whatsapp.json")
		const n = 10
		bodies := make([]string, n)
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := h.invoke(ev)
				bodies[i], statuses[i] = r.Body, r.StatusCode
			}(i)
		}
		wg.Wait()
		for i := range bodies {
			if statuses[i] != 200 || bodies[i] != bodies[0] {
				t.Errorf("delivery %d answered %d %q, want 200 %q", i, statuses[i], bodies[i], bodies[0])
			}
		}
		tp := h.tipOf(strings.TrimPrefix(formOf(t, ev).Get("From"), "whatsapp:"))
		msgs, _ := h.store.Messages(context.Background(), tp.ID)
		if len(msgs) != 1 || tp.MessageCount != 1 {
			t.Errorf("%d messages, count %d; want 1", len(msgs), tp.MessageCount)
		}
	})
}

func TestRefusals(t *testing.T) {
	valid := form("SM00000000000000000000000000000001", "+51987650001", "hay una chica encerrada")
	tests := []struct {
		name   string
		form   url.Values
		mutate func(*http.Request)
		want   int
	}{
		{"an unsigned request is forbidden", valid, func(r *http.Request) { r.Header.Del(twilio.SignatureHeader) }, 403},
		{"an altered body is forbidden", valid, func(r *http.Request) {
			altered := url.Values{}
			for k, v := range valid {
				altered[k] = v
			}
			altered.Set("Body", "otra cosa")
			r.Body = httpBody(altered.Encode())
		}, 403},
		{"a signature for another URL is forbidden", valid, func(r *http.Request) {
			r.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, "https://evil.example/twilio/messages", valid))
		}, 403},
		{"another account is forbidden", func() url.Values {
			v := form("SM00000000000000000000000000000002", "+51987650002", "hola")
			v.Set("AccountSid", "AC99999999999999999999999999999999")
			return v
		}(), nil, 403},
		{"a body over 64 KiB is too large", form("SM00000000000000000000000000000003", "+51987650003", strings.Repeat("a", 70<<10)), nil, 413},
		{"JSON is an unsupported media type", valid, func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, 415},
		{"a malformed form is a bad request", valid, func(r *http.Request) { r.Body = httpBody("Body=%zz&From=") }, 400},
		{"a signed form without MessageSid is a bad request", url.Values{"AccountSid": {testAccount}, "From": {"+51987650004"}, "To": {"+51900000000"}, "Body": {"x"}}, nil, 400},
		{"a signed form with a bad From is a bad request", form("SM00000000000000000000000000000005", "0987", "x"), nil, 400},
		{"GET is not allowed", valid, func(r *http.Request) { r.Method = http.MethodGet }, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, false)
			rec := h.post(tc.form, tc.mutate)
			if rec.Code != tc.want {
				t.Fatalf("status = %d (%s), want %d", rec.Code, rec.Body.String(), tc.want)
			}
			if h.hasTip(tc.form.Get("From")) {
				t.Errorf("a refused request stored a tip")
			}
		})
	}
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestStoreFailureAnswers503AndStoresNothing(t *testing.T) {
	h := newHarness(t, false)
	f := form("SM00000000000000000000000000000010", "+51987650010", "en el km 108 tienen a una menor")
	minidyn.EmulateFailure(h.db.Client, minidyn.FailureConditionInternalServerError)
	rec := h.post(f, nil)
	minidyn.EmulateFailure(h.db.Client, minidyn.FailureConditionNone)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status with DynamoDB down = %d, want 503", rec.Code)
	}
	if h.hasTip(f.Get("From")) {
		t.Fatalf("a tip exists after a failed write")
	}
	rec = h.post(f, nil) // Twilio's retry
	if rec.Code != 200 {
		t.Fatalf("retry status = %d, want 200", rec.Code)
	}
	tp := h.tipOf(f.Get("From"))
	if tp.MessageCount != 1 || !strings.Contains(rec.Body.String(), tp.Ref) {
		t.Errorf("after the retry: count %d, reply %q", tp.MessageCount, rec.Body.String())
	}
}

func TestConversationWindow(t *testing.T) {
	h := newHarness(t, false)
	from := "+51987650020"
	first := h.post(form("SM00000000000000000000000000000020", from, "en el bar de mazuco hay chicas"), nil)
	tp := h.tipOf(from)
	h.clock.advance(90 * time.Minute)
	second := h.post(form("SM00000000000000000000000000000021", from, "tienen 15 años y no las dejan salir"), nil)
	if !strings.Contains(second.Body.String(), tp.Ref) || len(second.Body.String()) >= len(first.Body.String()) {
		t.Errorf("follow-up reply %q should be a short acknowledgement with %s", second.Body.String(), tp.Ref)
	}
	joined := h.tipOf(from)
	msgs, _ := h.store.Messages(context.Background(), tp.ID)
	if joined.ID != tp.ID || joined.MessageCount != 2 || len(msgs) != 2 || msgs[1].SID != "SM00000000000000000000000000000021" {
		t.Fatalf("follow-up did not join the open tip in order: %+v, %d messages", joined, len(msgs))
	}
	if joined.Text != "en el bar de mazuco hay chicas\ntienen 15 años y no las dejan salir" {
		t.Errorf("tip text = %q, want both messages in order", joined.Text)
	}
	h.clock.advance(2*time.Hour + time.Second)
	h.post(form("SM00000000000000000000000000000022", from, "otra cosa, en puno"), nil)
	if later := h.tipOf(from); later.ID == tp.ID {
		t.Errorf("a message after the window joined the old tip")
	}
}

func TestOptOutSilencesReplies(t *testing.T) {
	h := newHarness(t, false)
	from := "+51987650030"
	if rec := h.post(form("SM00000000000000000000000000000030", from, "Stop"), nil); !strings.Contains(rec.Body.String(), "START") {
		t.Errorf("English opt-out reply = %q, want it in English", rec.Body.String())
	}
	rec := h.post(form("SM00000000000000000000000000000031", from, "vi a una niña en la calle pidiendo ayuda"), nil)
	if rec.Code != 200 || rec.Body.String() != `<?xml version="1.0" encoding="UTF-8"?><Response/>` {
		t.Errorf("reply to an opted-out reporter = %d %q, want an empty response", rec.Code, rec.Body.String())
	}
	if !h.hasTip(from) {
		t.Errorf("the tip of an opted-out reporter was not stored")
	}
	if rec := h.post(form("SM00000000000000000000000000000032", from, "alta"), nil); !strings.Contains(rec.Body.String(), "BAJA") {
		t.Errorf("opt-in reply = %q", rec.Body.String())
	}
	if rec := h.post(form("SM00000000000000000000000000000033", from, "y tenia como 12 años"), nil); !strings.Contains(rec.Body.String(), "<Message>") {
		t.Errorf("after opting back in the reply is %q, want a message", rec.Body.String())
	}
	if rec := h.post(form("SM00000000000000000000000000000034", "+51987650035", "AYUDA"), nil); !strings.Contains(rec.Body.String(), "105") {
		t.Errorf("help reply = %q, want the emergency number", rec.Body.String())
	}
}

func TestAnonymousModeKeepsNoNumber(t *testing.T) {
	h := newHarness(t, true)
	from := "+51987650040"
	h.post(form("SM00000000000000000000000000000040", from, "hay menores en un bar"), nil)
	if tp := h.tipOf(from); len(tp.Contact) != 0 {
		t.Errorf("anonymous mode stored a contact of %d bytes", len(tp.Contact))
	}
}

// TestLogsCarryNoPersonalData runs every fixture and more through the
// handler and searches the captured logs for numbers, bodies, profile
// names and secrets.
func TestLogsCarryNoPersonalData(t *testing.T) {
	h := newHarness(t, false)
	var secrets []string
	for _, f := range fixtures() {
		ev := loadEvent(t, f.file)
		h.invoke(ev)
		h.invoke(ev)
		v := formOf(t, ev)
		for _, k := range []string{"From", "Body", "ProfileName", "WaId", "Address", "Label"} {
			if s := strings.TrimPrefix(v.Get(k), "whatsapp:"); len(s) > 3 {
				secrets = append(secrets, s)
			}
		}
	}
	from := "+51987650050"
	for i, body := range []string{"hola", "me tienen encerrada en la pampa", "BAJA", "ALTA"} {
		h.post(form(fmt.Sprintf("SM%032d", 50+i), from, body), nil)
		secrets = append(secrets, body)
	}
	secrets = append(secrets, from, strings.TrimPrefix(from, "+"), testToken, reporterSecret, contactKeyB64)
	logs := h.logs.String()
	if !strings.Contains(logs, "tip created") {
		t.Fatalf("no logs captured: %q", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

func TestAttribution(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	camp := &tip.Campaign{ID: "camp-cus", Name: "Terminales Cusco", Start: "2026-11-01", Numbers: []string{"+51900000000"}}
	if err := h.store.CreateCampaign(ctx, camp); err != nil {
		t.Fatal(err)
	}
	mat := &tip.Material{ID: "mat-1", CampaignID: "camp-cus", Kind: "poster", Label: "Terminal", Code: "CUS-7K"}
	if err := h.store.CreateMaterial(ctx, mat); err != nil {
		t.Fatal(err)
	}
	t.Run("a WhatsApp message starting with the prefilled code is credited to the material", func(t *testing.T) {
		from := "+51987650070"
		f := form("SM00000000000000000000000000000070", "whatsapp:"+from, "Código CUS-7K. Quiero avisar: en el terminal hay una niña de 13 años sola con un señor")
		f.Set("To", "whatsapp:+51900000000")
		if rec := h.post(f, nil); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		tp := h.tipOf(from)
		if tp.CampaignID != "camp-cus" || tp.MaterialID != "mat-1" {
			t.Errorf("tip credited to %q/%q, want camp-cus/mat-1", tp.CampaignID, tp.MaterialID)
		}
		if strings.Contains(tp.Text, "CUS-7K") || !strings.HasPrefix(tp.Text, "en el terminal") {
			t.Errorf("tip text %q still carries the code or the prefilled words", tp.Text)
		}
	})
	t.Run("a message without a code to a campaign's number is credited to the campaign", func(t *testing.T) {
		from := "+51987650071"
		if rec := h.post(form("SM00000000000000000000000000000071", from, "hay chicas menores en un bar"), nil); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		if tp := h.tipOf(from); tp.CampaignID != "camp-cus" || tp.MaterialID != "" {
			t.Errorf("tip credited to %q/%q, want camp-cus and no material", tp.CampaignID, tp.MaterialID)
		}
	})
	counters, err := h.store.Counters(ctx, "camp-cus", "", "")
	if err != nil {
		t.Fatal(err)
	}
	received := 0
	for _, c := range counters {
		received += c.Received
	}
	if received != 2 {
		t.Errorf("campaign figures count %d tips received, want 2", received)
	}
}
