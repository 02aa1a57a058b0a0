package staff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"

	"tipline/infra/localdb"
	"tipline/shared/contact"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// The numbers and texts below must never appear in logs.
const (
	reporterPhone = "+51987654321"
	ourNumber     = "+51900000000"
	secretBody    = "Hay menores en el bar de la avenida"
)

var start = time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now ticks a microsecond per call, as a real clock would between two
// writes: audit entries of one tip are keyed by their time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Microsecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// sent is what the fake Twilio sender received.
type sent struct{ from, to, body string }

type fakeSender struct {
	mu   sync.Mutex
	sent []sent
	fail bool
	// afterSend runs once Twilio has accepted a message, e.g. to break the
	// table before the reply is recorded.
	afterSend func()
}

func (f *fakeSender) Send(_ context.Context, from, to, body string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return "", tip.Errorf(tip.KindTransient, "fake twilio", "503")
	}
	f.sent = append(f.sent, sent{from, to, body})
	if f.afterSend != nil {
		f.afterSend()
	}
	return fmt.Sprintf("SMreply%d", len(f.sent)), nil
}

// faultyDB is the table with writes that fail on demand, on either engine.
type faultyDB struct {
	store.API
	mu  sync.Mutex
	err error // returned by every write while set
}

func (f *faultyDB) failWrites(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

func (f *faultyDB) writeErr() error { f.mu.Lock(); defer f.mu.Unlock(); return f.err }

func (f *faultyDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := f.writeErr(); err != nil {
		return nil, err
	}
	return f.API.PutItem(ctx, in, o...)
}

func (f *faultyDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := f.writeErr(); err != nil {
		return nil, err
	}
	return f.API.UpdateItem(ctx, in, o...)
}

func (f *faultyDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := f.writeErr(); err != nil {
		return nil, err
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

// forwards records the manual forwards the pipeline received.
type forwards struct {
	mu   sync.Mutex
	list []string // tip/authority/actor
}

func (f *forwards) Forward(_ context.Context, tipID, authorityID, actor string) error {
	if authorityID == "nobody" {
		return tip.E(tip.KindNotFound, "fake forward", nil)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, tipID+"/"+authorityID+"/"+actor)
	return nil // the real pipeline also writes the audit entry; see TestForwardThroughThePipeline
}

type fakeMedia struct{}

func (fakeMedia) Fetch(_ context.Context, u string) (io.ReadCloser, string, error) {
	return io.NopCloser(strings.NewReader("JPEG of " + u)), "image/jpeg", nil
}

// harness is the handler on a fresh table with its fakes and captured logs.
type harness struct {
	t       *testing.T
	h       http.Handler
	store   *store.Store
	db      *faultyDB
	keeper  *contact.Keeper
	clock   *clock
	sender  *fakeSender
	fwd     *forwards
	tokens  staff.LocalTokens
	logs    *bytes.Buffer
	logMu   *sync.Mutex
	secrets []string // must not appear in logs
}

var tables atomic.Int64

// newTable returns a fresh table and its name: on the embedded engine, or on
// DynamoDB Local when DYNAMODB_ENDPOINT is set (make test sets it).
func newTable(t *testing.T) (store.API, string) {
	t.Helper()
	ctx := context.Background()
	if endpoint := os.Getenv("DYNAMODB_ENDPOINT"); endpoint != "" {
		db, _, err := localdb.Client(ctx, endpoint)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("staff_%d_%d", time.Now().UnixNano(), tables.Add(1))
		if err := localdb.Ensure(ctx, db, name); err != nil {
			t.Fatal(err)
		}
		return db, name
	}
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		t.Fatal(err)
	}
	return db, "tipline"
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c := &clock{t: start}
	keeper, err := contact.NewKeeper([]byte("test-reporter-secret-0123456789"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	logs, mu := &bytes.Buffer{}, &sync.Mutex{}
	log := slogJSON(lockedWriter{mu, logs})
	api, table := newTable(t)
	db := &faultyDB{API: api}
	hs := &harness{t: t, store: store.New(db, table, c.Now), db: db, keeper: keeper, clock: c, sender: &fakeSender{}, fwd: &forwards{},
		tokens: staff.LocalTokens{Key: []byte("test-signing-key-0123456789abcdef"), Issuer: staff.LocalIssuer, Audience: staff.LocalAudience, Now: c.Now},
		logs:   logs, logMu: mu, secrets: []string{reporterPhone, secretBody}}
	hs.h = staff.New(staff.Deps{Store: hs.store, Auth: hs.tokens, Log: log, Contacts: keeper, Sender: hs.sender,
		Forwarder: hs.fwd, Media: fakeMedia{}, MediaKey: []byte("media-link-key-0123456789"), Now: c.Now})
	t.Cleanup(hs.checkLogs)
	return hs
}

// checkLogs fails when a log record holds a body, a number or a token.
func (hs *harness) checkLogs() {
	hs.logMu.Lock()
	defer hs.logMu.Unlock()
	out := hs.logs.String()
	for _, s := range hs.secrets {
		if strings.Contains(out, s) {
			hs.t.Errorf("logs contain %q:\n%s", s, out)
		}
	}
}

// logRecord returns the first log record with message msg, or nil.
func (hs *harness) logRecord(t *testing.T, msg string) map[string]any {
	t.Helper()
	hs.logMu.Lock()
	defer hs.logMu.Unlock()
	for _, line := range bytes.Split(hs.logs.Bytes(), []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

type tipSpec struct {
	region   string
	urgency  tip.Urgency
	status   tip.Status
	channel  tip.Channel
	campaign string
	text     string
	place    string
	adult    bool // no minor (seeded tips are about a minor by default)
	danger   bool // immediate danger
}

// seed stores a tip from the reporter's number and returns it.
func (hs *harness) seed(spec tipSpec) *tip.Tip {
	hs.t.Helper()
	n := tables.Add(1)
	now := hs.clock.Now()
	if spec.urgency == "" {
		spec.urgency = tip.High
	}
	if spec.status == "" {
		spec.status = tip.StatusTriaged
	}
	if spec.channel == "" {
		spec.channel = tip.SMS
	}
	if spec.text == "" {
		spec.text = secretBody
	}
	phone := fmt.Sprintf("+5198765%04d", n%10000)
	address, to := phone, ourNumber
	if spec.channel == tip.WhatsApp {
		address, to = "whatsapp:"+phone, "whatsapp:"+ourNumber
	}
	key := hs.keeper.Key(phone)
	sealed, err := hs.keeper.Seal(address, key)
	if err != nil {
		hs.t.Fatal(err)
	}
	hs.secrets = append(hs.secrets, phone)
	tp := &tip.Tip{ID: fmt.Sprintf("01TIP%021d", n), Ref: fmt.Sprintf("R%05d", n), Channel: spec.channel, Status: spec.status,
		CampaignID: spec.campaign, To: to, ReporterKey: key, Contact: sealed, Text: spec.text, MessageCount: 1,
		Triage: tip.Triage{Urgency: spec.urgency, Category: tip.CategorySexual, Minor: !spec.adult, ImmediateDanger: spec.danger, Region: spec.region, Place: spec.place,
			Reportable: spec.urgency.Reportable(), Language: tip.LangSpanish},
		CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1}
	m := &tip.Message{SID: fmt.Sprintf("SM%032d", n), Direction: tip.Inbound, Body: spec.text, CreatedAt: now,
		Media: []tip.Media{{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", ContentType: "image/jpeg"}}}
	if err := hs.store.CreateTip(context.Background(), store.NewTip{Tip: tp, Message: m, Reply: "ok"}); err != nil {
		hs.t.Fatal(err)
	}
	hs.clock.Advance(time.Minute)
	return tp
}

// token returns a bearer token for a role and regions.
func (hs *harness) token(sub string, role staff.Role, regions ...string) string {
	tok, err := hs.tokens.Issue(sub, role, regions, 72*time.Hour)
	if err != nil {
		hs.t.Fatal(err)
	}
	hs.secrets = append(hs.secrets, tok)
	return tok
}

// tokenWithClaims returns a valid local token with these claims besides the
// registered ones, for claims Issue does not write.
func (hs *harness) tokenWithClaims(claims jwt.MapClaims) string {
	hs.t.Helper()
	now := hs.clock.Now()
	claims["iss"], claims["aud"], claims["iat"], claims["exp"] = hs.tokens.Issuer, hs.tokens.Audience, now.Unix(), now.Add(72*time.Hour).Unix()
	if _, ok := claims["token_use"]; !ok {
		claims["token_use"] = "id"
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(hs.tokens.Key)
	if err != nil {
		hs.t.Fatal(err)
	}
	hs.secrets = append(hs.secrets, tok)
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

func (r response) errorCode(t *testing.T) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	return e.Error.Code
}

// do sends a request through the handler.
func (hs *harness) do(method, path, token string, body any, headers ...string) response {
	hs.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			hs.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

type listed struct {
	Tips []struct {
		ID      string `json:"id"`
		Region  string `json:"region"`
		Urgency string `json:"urgency"`
		Status  string `json:"status"`
		Version int    `json:"version"`
	} `json:"tips"`
	NextCursor string `json:"next_cursor"`
}

func (l listed) ids() []string {
	out := []string{}
	for _, t := range l.Tips {
		out = append(out, t.ID)
	}
	return out
}
