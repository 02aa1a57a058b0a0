package alert_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/testkit"
	"tipline/shared/tip"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

const (
	testAccount = "AC33333333333333333333333333333333"
	testToken   = "tiplinealerttoken"
	testBase    = "https://tips.example.org"
	reporterNum = "+51987650001"
	testEscCrit = 10 * time.Minute
)

// env is one test's world: an embedded table with a small directory, the
// fake Twilio API behind an httptest server reached by the real twilio-go
// client, and a dispatcher on a pinned clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    store.API
	store *store.Store
	fake  *fakeapi.Server
	clock *testkit.Clock
	d     *alert.Dispatcher
	logs  *testkit.SyncBuffer
	book  *reply.Book
	table string
	cfg   alert.Config
	deps  alert.Deps
}

var tables atomic.Int64

// directory: Madre de Dios has a prosecutor and a police unit at tier 1
// (two contacts each, the second at tier 2), DIRCTPTIM at tier 2 (tier 3
// for its second contact); minors add the UPE.
var (
	yes         = true
	authorities = []tip.Authority{
		{ID: "fistrap-mdd", Name: "FISTRAP Madre de Dios", Institution: "Ministerio Público", Regions: []string{"PE-MDD"}, Active: true,
			Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000111", Tier: 1}, {Channel: tip.SMS, Address: "+51900000112", Tier: 2}}},
		{ID: "pnp-trata-mdd", Name: "PNP trata Madre de Dios", Institution: "PNP", Regions: []string{"PE-MDD"}, Active: true,
			Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000121", Tier: 1}, {Channel: tip.SMS, Address: "+51900000122", Tier: 2}}},
		{ID: "upe-mdd", Name: "UPE Madre de Dios", Institution: "MIMP", Regions: []string{"PE-MDD"}, Active: true,
			Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000131", Tier: 1}}},
		{ID: "dirctptim", Name: "DIRCTPTIM", Institution: "PNP", Regions: []string{"*"}, Active: true,
			Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000911", Tier: 1}, {Channel: tip.SMS, Address: "+51900000912", Tier: 2}}},
	}
	rules = []tip.Rule{
		{ID: "region-mdd", Regions: []string{"PE-MDD"}, Tiers: [][]string{{"fistrap-mdd", "pnp-trata-mdd"}, {"dirctptim"}}},
		{ID: "minor-mdd", Regions: []string{"PE-MDD"}, Minor: &yes, Tiers: [][]string{{"upe-mdd"}}},
		{ID: "fallback", Regions: []string{tip.AnyRegion, tip.NoRegion}, Tiers: [][]string{{"dirctptim"}}},
	}
)

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the dispatcher's configuration changed by tune.
func newEnvWith(t *testing.T, tune func(*alert.Config)) *env {
	t.Helper()
	return newEnvOn(t, "", tune)
}

// engines are the engines a test runs on: the embedded one always, and
// DynamoDB Local when DYNAMODB_ENDPOINT is set (make test sets it).
func engines() map[string]string {
	out := map[string]string{"embedded engine": ""}
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		out["DynamoDB Local"] = ep
	}
	return out
}

// newEnvOn is newEnvWith on the table of a DynamoDB endpoint ("" for the
// embedded engine).
func newEnvOn(t *testing.T, endpoint string, tune func(*alert.Config)) *env {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("alerts_%d_%d", time.Now().UnixNano(), tables.Add(1))
	var db store.API
	if endpoint == "" {
		mini, err := localdb.Embedded(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		db = mini
	} else {
		client, _, err := localdb.Client(ctx, endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if err := localdb.Ensure(ctx, client, name); err != nil {
			t.Fatal(err)
		}
		db = client
	}
	c := testkit.NewClock(testkit.Start)
	s := store.New(db, name, c.Now)
	for _, a := range authorities {
		if err := s.PutAuthority(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rules {
		if err := s.PutRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	fake := &fakeapi.Server{AccountSID: testAccount, AuthToken: testToken, Now: c.Now}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: testAccount, AuthToken: testToken, APIURL: srv.URL,
		Timeout: 300 * time.Millisecond, Transport: testkit.LoopbackOnly{}})
	if err != nil {
		t.Fatal(err)
	}
	texts, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	cfg := alert.Config{From: "+51900000000", StatusCallbackURL: testBase + "/twilio/status",
		CampaignContact: "Equipo Tipline +51900000999", EscalateCritical: testEscCrit, EscalateHigh: time.Hour,
		Lease: 2 * time.Minute, MaxAttempts: 4, Grace: 30 * time.Second}
	if tune != nil {
		tune(&cfg)
	}
	deps := alert.Deps{Store: s, Messenger: sender, Texts: texts, Replies: book, Log: edge.Logger(logs, "debug"), Now: c.Now}
	d := alert.New(cfg, deps)
	return &env{t: t, ctx: ctx, db: db, store: s, fake: fake, clock: c, d: d, logs: logs, book: book, table: name, cfg: cfg, deps: deps}
}

// dispatcherWith is a second dispatcher on the same table, whose messenger
// wrap wraps around the real one.
func (e *env) dispatcherWith(wrap func(alert.Messenger) alert.Messenger) *alert.Dispatcher {
	deps := e.deps
	deps.Messenger = wrap(deps.Messenger)
	return alert.New(e.cfg, deps)
}

var tipSeq atomic.Int64

// newTip stores a triaged tip with the given triage, as the webhook would.
func (e *env) newTip(text string, tr tip.Triage) *tip.Tip {
	e.t.Helper()
	n := tipSeq.Add(1)
	now := e.clock.Now()
	tr.Reportable = tr.Urgency.Reportable()
	if tr.Category == "" {
		tr.Category = tip.CategorySexual
	}
	tp := &tip.Tip{ID: fmt.Sprintf("01TIPALERT%016d", n), Ref: fmt.Sprintf("K%05d", n), Channel: tip.SMS, Status: tip.StatusTriaged,
		To: "+51900000000", ReporterKey: fmt.Sprintf("rk-%d", n), Text: text, Triage: tr, MessageCount: 1,
		CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1}
	m := &tip.Message{SID: fmt.Sprintf("SM%032d", n), Direction: tip.Inbound, Body: text, CreatedAt: now}
	if err := e.store.CreateTip(e.ctx, store.NewTip{Tip: tp, Message: m, Reply: "<Response/>", Window: 2 * time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	return tp
}

func critical(region string, minor bool) tip.Triage {
	return tip.Triage{Urgency: tip.Critical, Region: region, Place: "La Pampa", Minor: minor, ImmediateDanger: true, Language: tip.LangSpanish}
}

// item reads the raw item of a key, as a stream image would carry it.
func (e *env) item(pk, sk string) map[string]types.AttributeValue {
	e.t.Helper()
	out, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: aws.String(e.tableName()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil || len(out.Item) == 0 {
		e.t.Fatalf("item %s/%s: %v", pk, sk, err)
	}
	return out.Item
}

func (e *env) tableName() string { return e.table }

// alertItems reads the raw alert items of a tip.
func (e *env) alertItems(tipID string) []map[string]types.AttributeValue {
	e.t.Helper()
	key := expression.Key("PK").Equal(expression.Value("TIP#" + tipID)).And(expression.Key("SK").BeginsWith("ALERT#"))
	ex, _ := expression.NewBuilder().WithKeyCondition(key).Build()
	out, err := e.db.Query(e.ctx, &dynamodb.QueryInput{TableName: aws.String(e.tableName()), KeyConditionExpression: ex.KeyCondition(),
		ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values()})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Items
}

// record builds the stream record Lambda would deliver for an item.
var record = testkit.StreamRecord

// sentTo counts the outbox's messages per recipient.
func (e *env) sentTo() map[string]int {
	out := map[string]int{}
	for _, m := range e.fake.Outbox() {
		out[m.To]++
	}
	return out
}

// atMostOnce fails the test when any contact got more than one message.
func (e *env) atMostOnce() {
	e.t.Helper()
	for to, n := range e.sentTo() {
		if n > 1 {
			e.t.Errorf("%s got %d messages, want at most one", to, n)
		}
	}
}

// alerted fails unless exactly the numbers in want got one message each.
func (e *env) alerted(want ...string) {
	e.t.Helper()
	got := e.sentTo()
	if len(got) != len(want) {
		e.t.Errorf("alerted %v, want exactly %v", got, want)
		return
	}
	for _, w := range want {
		if got[w] != 1 {
			e.t.Errorf("alerted %v, want exactly %v once each", got, want)
			return
		}
	}
}

func (e *env) sweep() alert.SweepResult {
	e.t.Helper()
	res, err := e.d.Sweep(e.ctx)
	if err != nil {
		e.t.Fatalf("Sweep() error = %v", err)
	}
	return res
}

func (e *env) mustTip(id string) *tip.Tip {
	e.t.Helper()
	t, err := e.store.Tip(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) actions(tipID string) map[string]int {
	e.t.Helper()
	audit, err := e.store.Audit(e.ctx, tipID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range audit {
		out[a.Action]++
	}
	return out
}

// deleteAlert removes an alert item, as if its write had never happened.
func (e *env) deleteAlert(k tip.AlertKey) {
	e.t.Helper()
	_, err := e.db.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "TIP#" + k.TipID},
		"SK": &types.AttributeValueMemberS{Value: fmt.Sprintf("ALERT#%s#%02d", k.AuthorityID, k.Contact)}}})
	if err != nil {
		e.t.Fatal(err)
	}
}
