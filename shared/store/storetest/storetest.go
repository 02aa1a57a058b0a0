// Package storetest is the store conformance suite. The same tests run on the
// embedded engine and on DynamoDB Local, so that the two cannot drift apart.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// Factory returns a store on a fresh, empty table whose clock is now.
type Factory func(t *testing.T, now tip.Clock) *store.Store

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var start = time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)

// Run runs the whole suite against stores made by f.
func Run(t *testing.T, f Factory) {
	tests := []Case{
		{"a created tip reads back with every field", testRoundTrip},
		{"a replayed MessageSid creates nothing and keeps the first reply", testDuplicate},
		{"concurrent writers of one MessageSid: exactly one wins", testConcurrentDuplicate},
		{"a reporter's open conversation blocks a second tip until the window ends", testConversationWindow},
		{"a reference code in use is refused", testRefTaken},
		{"follow-ups append in order and a stale version is refused", testAppend},
		{"concurrent follow-ups on one version: exactly one wins", testConcurrentAppend},
		{"first messages of many reporters of one campaign and material, all at once, share no item: none meets a conflict", testConcurrentReporters},
		{"opt-out is recorded per reporter", testOptOut},
		{"a saved tip moves queues, keeps its audit and refuses a stale version", testSaveTip},
		{"a late follow-up of a closed conversation never takes over a newer tip's conversation", testLateFollowUp},
		{"one lookup finds a replay, the open conversation, the opt-out and an authority number", testLookup},
		{"a first message written unread tells what its failed conditions found", testCreateFirst},
	}
	tests = append(tests, alertCases...)
	tests = append(tests, staffCases...)
	tests = append(tests, campaignCases...)
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) { tc.Run(t, f) })
	}
}

// Case is one test of the suite, named as a sentence.
type Case struct {
	Name string
	Run  func(t *testing.T, f Factory)
}

var seq atomic.Int64

func newTip(c *Clock, reporter string) store.NewTip {
	n := seq.Add(1)
	now := c.Now()
	tp := &tip.Tip{
		ID: fmt.Sprintf("01TIP%021d", n), Ref: fmt.Sprintf("R%05d", n), Channel: tip.WhatsApp, Status: tip.StatusTriaged,
		To: "whatsapp:+51999000111", ReporterKey: reporter, Contact: []byte{1, 2, 3, 0xff},
		Text: "hay chicas menores en el bar", MessageCount: 1,
		Triage: tip.Triage{Urgency: tip.High, Category: tip.CategorySexual, Minor: true, Region: "PE-MDD", Place: "Mazuco",
			Reportable: true, Language: tip.LangSpanish, Indicators: []string{"minor"}, Reasons: []string{`menor: "menores"`}},
		CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1,
	}
	m := &tip.Message{SID: fmt.Sprintf("SM%032d", n), Direction: tip.Inbound, Body: tp.Text,
		Media:     []tip.Media{{URL: "https://api.twilio.com/media/ME1", ContentType: "image/jpeg"}},
		Location:  &tip.Location{Latitude: -12.59, Longitude: -69.19, Label: "bar"},
		CreatedAt: now}
	return store.NewTip{Tip: tp, Message: m, Reply: "<Response>ref " + tp.Ref + "</Response>", Window: 2 * time.Hour}
}

// retryFor is how long a suite case retries a write that met a transaction
// in flight: DynamoDB Local on a loaded machine commits slowly.
const retryFor = 30 * time.Second

// backoff waits before attempt+1 of a write that met a transaction in
// flight: capped exponential backoff with full jitter, as the webhook does.
func backoff(attempt int) {
	ceiling := min(100*time.Millisecond, 2*time.Millisecond<<min(attempt, 10))
	time.Sleep(time.Duration(rand.Int64N(int64(ceiling)) + 1))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T, f Factory) (*store.Store, *Clock, context.Context) {
	c := &Clock{t: start}
	return f(t, c.Now), c, context.Background()
}

func testRoundTrip(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-roundtrip")
	must(t, s.CreateTip(ctx, n))
	got, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	want := n.Tip
	if got.Ref != want.Ref || got.Channel != want.Channel || got.Status != want.Status || got.ReporterKey != want.ReporterKey ||
		string(got.Contact) != string(want.Contact) || got.Text != want.Text || got.Urgency != want.Urgency ||
		got.Minor != want.Minor || got.Region != want.Region || got.Place != want.Place || got.Version != 1 ||
		!got.CreatedAt.Equal(want.CreatedAt) || len(got.Reasons) != 1 || got.To != want.To {
		t.Errorf("Tip() = %+v, want %+v", got, want)
	}
	byRef, err := s.TipByRef(ctx, want.Ref)
	must(t, err)
	if byRef.ID != want.ID {
		t.Errorf("TipByRef(%s).ID = %s, want %s", want.Ref, byRef.ID, want.ID)
	}
	msgs, err := s.Messages(ctx, want.ID)
	must(t, err)
	if len(msgs) != 1 || msgs[0].SID != n.Message.SID || len(msgs[0].Media) != 1 || msgs[0].Location == nil || msgs[0].Location.Label != "bar" {
		t.Errorf("Messages() = %+v, want the one message with media and location", msgs)
	}
	conv, err := s.OpenConversation(ctx, "rk-roundtrip")
	must(t, err)
	if conv.TipID != want.ID || conv.Ref != want.Ref {
		t.Errorf("OpenConversation() = %+v, want tip %s", conv, want.ID)
	}
	if _, err := s.Tip(ctx, "missing"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("Tip(missing) error = %v, want not found", err)
	}
}

func testDuplicate(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	first := newTip(c, "rk-dup-1")
	must(t, s.CreateTip(ctx, first))
	again := newTip(c, "rk-dup-2")
	again.Message.SID = first.Message.SID
	again.Reply = "other"
	err := s.CreateTip(ctx, again)
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second CreateTip error = %v, want ErrDuplicate", err)
	}
	if _, err := s.Tip(ctx, again.Tip.ID); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused tip exists: err = %v", err)
	}
	if _, err := s.OpenConversation(ctx, "rk-dup-2"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused tip opened a conversation: err = %v", err)
	}
	reply, err := s.Replay(ctx, first.Message.SID)
	must(t, err)
	if reply != first.Reply {
		t.Errorf("Replay() = %q, want %q", reply, first.Reply)
	}
	if _, err := s.Replay(ctx, "SMnever"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("Replay(unknown) error = %v, want not found", err)
	}
}

func testConcurrentDuplicate(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	const writers = 8
	var wins, dups atomic.Int32
	var other []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sid := ""
	tips := make([]store.NewTip, writers)
	for i := range tips {
		tips[i] = newTip(c, fmt.Sprintf("rk-race-%d", i))
		if i == 0 {
			sid = tips[i].Message.SID
		}
		tips[i].Message.SID = sid
	}
	began := time.Now()
	for i := range tips {
		wg.Add(1)
		go func(n store.NewTip) {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				err := s.CreateTip(ctx, n)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrDuplicate):
					dups.Add(1)
				case tip.Is(err, tip.KindTransient) && time.Since(began) < retryFor:
					backoff(attempt) // a transaction conflict: retry as the webhook does
					continue
				default:
					mu.Lock()
					other = append(other, err)
					mu.Unlock()
				}
				return
			}
		}(tips[i])
	}
	wg.Wait()
	if wins.Load() != 1 || dups.Load() != writers-1 || len(other) > 0 {
		t.Errorf("wins = %d, duplicates = %d, other errors = %v; want 1 and %d and none", wins.Load(), dups.Load(), other, writers-1)
	}
	found := 0
	for _, n := range tips {
		if _, err := s.Tip(ctx, n.Tip.ID); err == nil {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d tips stored, want 1", found)
	}
}

func testConversationWindow(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	first := newTip(c, "rk-window")
	must(t, s.CreateTip(ctx, first))
	c.Advance(time.Hour)
	second := newTip(c, "rk-window")
	if err := s.CreateTip(ctx, second); !errors.Is(err, store.ErrConversationOpen) {
		t.Fatalf("CreateTip within the window error = %v, want ErrConversationOpen", err)
	}
	c.Advance(90 * time.Minute) // 2h30 after the first message
	if _, err := s.OpenConversation(ctx, "rk-window"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("OpenConversation after the window error = %v, want not found", err)
	}
	third := newTip(c, "rk-window")
	must(t, s.CreateTip(ctx, third))
	conv, err := s.OpenConversation(ctx, "rk-window")
	must(t, err)
	if conv.TipID != third.Tip.ID {
		t.Errorf("open conversation is tip %s, want the new tip %s", conv.TipID, third.Tip.ID)
	}
}

func testRefTaken(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	first := newTip(c, "rk-ref-1")
	must(t, s.CreateTip(ctx, first))
	second := newTip(c, "rk-ref-2")
	second.Tip.Ref = first.Tip.Ref
	if err := s.CreateTip(ctx, second); !errors.Is(err, store.ErrRefTaken) {
		t.Fatalf("CreateTip with a used ref error = %v, want ErrRefTaken", err)
	}
	if _, err := s.Replay(ctx, second.Message.SID); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused message left a dedupe record: err = %v", err)
	}
}

func followUp(c *Clock, tp *tip.Tip, sid, body string) store.FollowUp {
	tr := tp.Triage
	tr.Urgency = tip.Critical
	tr.ImmediateDanger = true
	return store.FollowUp{Tip: tp, Text: tp.Text + "\n" + body, Triage: tr, Reply: "ack " + sid, Window: 2 * time.Hour,
		Message: &tip.Message{SID: sid, Direction: tip.Inbound, Body: body, CreatedAt: c.Now()}}
}

func testAppend(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-append")
	must(t, s.CreateTip(ctx, n))
	c.Advance(time.Minute)
	read, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	must(t, s.AppendMessage(ctx, followUp(c, read, "SMfollow1", "ahora mismo la encerraron")))
	c.Advance(time.Minute)
	if err := s.AppendMessage(ctx, followUp(c, read, "SMfollow2", "stale")); !errors.Is(err, store.ErrStale) {
		t.Errorf("AppendMessage with a stale version error = %v, want ErrStale", err)
	}
	if err := s.AppendMessage(ctx, followUp(c, read, "SMfollow1", "again")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("AppendMessage with a stored MessageSid error = %v, want ErrDuplicate", err)
	}
	got, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	if got.Version != 2 || got.MessageCount != 2 || got.Urgency != tip.Critical || !got.ImmediateDanger ||
		got.Text != n.Tip.Text+"\nahora mismo la encerraron" {
		t.Errorf("after one follow-up: version %d, count %d, urgency %s, text %q", got.Version, got.MessageCount, got.Urgency, got.Text)
	}
	msgs, err := s.Messages(ctx, n.Tip.ID)
	must(t, err)
	if len(msgs) != 2 || msgs[0].SID != n.Message.SID || msgs[1].SID != "SMfollow1" {
		t.Errorf("Messages() = %+v, want the first message then SMfollow1", msgs)
	}
	conv, err := s.OpenConversation(ctx, "rk-append")
	must(t, err)
	if want := c.Now().Add(-time.Minute).Add(2 * time.Hour).Truncate(time.Second); !conv.OpenUntil.Equal(want) {
		t.Errorf("conversation open until %v, want %v (extended by the follow-up)", conv.OpenUntil, want)
	}
}

func testConcurrentAppend(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-append-race")
	must(t, s.CreateTip(ctx, n))
	read, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	const writers = 6
	var wins, stale atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cp := *read
			err := s.AppendMessage(ctx, followUp(c, &cp, fmt.Sprintf("SMrace%d", i), "x"))
			for attempt, began := 0, time.Now(); tip.Is(err, tip.KindTransient) && time.Since(began) < retryFor; attempt++ {
				backoff(attempt) // a transaction conflict: retry as the webhook does
				err = s.AppendMessage(ctx, followUp(c, &cp, fmt.Sprintf("SMrace%d", i), "x"))
			}
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrStale):
				stale.Add(1)
			default:
				t.Errorf("AppendMessage error = %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || stale.Load() != writers-1 {
		t.Errorf("wins = %d, refused = %d; want 1 and %d", wins.Load(), stale.Load(), writers-1)
	}
	msgs, err := s.Messages(ctx, n.Tip.ID)
	must(t, err)
	if len(msgs) != 2 {
		t.Errorf("%d messages stored, want 2 (the first and the one winner)", len(msgs))
	}
}

func testConcurrentReporters(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	const reporters = 12
	tips := make([]store.NewTip, reporters)
	for i := range tips {
		tips[i] = newTip(c, fmt.Sprintf("rk-burst-%d", i))
		tips[i].Tip.CampaignID, tips[i].Tip.MaterialID = "camp-burst", "mat-radio"
	}
	errs := make([]error, reporters)
	var wg sync.WaitGroup
	for i := range tips {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.CreateTip(ctx, tips[i]) // once: no retry
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("reporter %d: CreateTip error = %v, want none (no item shared with another reporter)", i, err)
		}
	}
	for _, n := range tips {
		if _, err := s.Tip(ctx, n.Tip.ID); err != nil {
			t.Errorf("tip %s: %v", n.Tip.ID, err)
		}
	}
}

func testOptOut(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	for _, step := range []struct {
		set  *bool
		want bool
	}{{nil, false}, {ptr(true), true}, {ptr(false), false}} {
		if step.set != nil {
			must(t, s.SetOptOut(ctx, "rk-optout", *step.set))
		}
		got, err := s.OptedOut(ctx, "rk-optout")
		must(t, err)
		if got != step.want {
			t.Errorf("OptedOut() = %v, want %v", got, step.want)
		}
	}
	if got, _ := s.OptedOut(ctx, "rk-other"); got {
		t.Errorf("OptedOut(other reporter) = true, want false")
	}
}

func ptr[T any](v T) *T { return &v }

func testSaveTip(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-save")
	must(t, s.CreateTip(ctx, n))
	read, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	stale := *read
	c.Advance(time.Minute)
	read.Status = tip.StatusForwarded
	read.Urgency = tip.Critical
	must(t, s.SaveTip(ctx, read, tip.Audit{Actor: "system", Action: "route", Detail: map[string]string{"tier": "1"}},
		tip.Audit{Actor: "system", Action: "alert.created"}))
	if read.Version != 2 || !read.UpdatedAt.Equal(c.Now()) {
		t.Errorf("after SaveTip: version %d, updated %v; want 2 and now", read.Version, read.UpdatedAt)
	}
	if err := s.SaveTip(ctx, &stale); !errors.Is(err, store.ErrStale) {
		t.Errorf("SaveTip with a stale version error = %v, want ErrStale", err)
	}
	got, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	if got.Status != tip.StatusForwarded || got.Urgency != tip.Critical || got.Version != 2 {
		t.Errorf("stored tip: status %s, urgency %s, version %d", got.Status, got.Urgency, got.Version)
	}
	audit, err := s.Audit(ctx, n.Tip.ID)
	must(t, err)
	if len(audit) != 2 || audit[0].Action != "route" || audit[0].Detail["tier"] != "1" || audit[1].Action != "alert.created" {
		t.Errorf("Audit() = %+v, want route then alert.created", audit)
	}
	ghost := *got
	ghost.ID = "01NOSUCHTIP"
	if err := s.SaveTip(ctx, &ghost); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("SaveTip of a missing tip error = %v, want not found", err)
	}
}

func testCreateFirst(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	first := newTip(c, "rk-first")
	l, found, err := s.CreateFirst(ctx, first, "+51987650100")
	must(t, err)
	if found || l.Replayed || l.Conversation != nil {
		t.Errorf("CreateFirst that committed = %+v, %v; want nothing found", l, found)
	}
	again := newTip(c, "rk-first-other")
	again.Message.SID = first.Message.SID
	l, found, err = s.CreateFirst(ctx, again, "+51987650101")
	if !errors.Is(err, store.ErrDuplicate) || !found || !l.Replayed || l.Reply != first.Reply {
		t.Errorf("CreateFirst of a stored MessageSid = %+v, %v, %v; want ErrDuplicate and the stored reply", l, found, err)
	}
	next := newTip(c, "rk-first") // the conversation is open
	l, found, err = s.CreateFirst(ctx, next, "+51987650100")
	if !errors.Is(err, store.ErrConversationOpen) || !found || l.Conversation == nil || l.Conversation.TipID != first.Tip.ID ||
		l.OptedOut || !l.PhoneChecked || l.Authority != nil {
		t.Errorf("CreateFirst in an open conversation = %+v, %v, %v; want ErrConversationOpen and the conversation", l, found, err)
	}
	must(t, s.SetOptOut(ctx, "rk-first-out", true))
	_, found, err = s.CreateFirst(ctx, newTip(c, "rk-first-out"), "+51987650102")
	if !errors.Is(err, store.ErrNeedsLookup) || found {
		t.Errorf("CreateFirst of an opted-out reporter: found %v, error %v; want ErrNeedsLookup", found, err)
	}
	must(t, s.PutAuthority(ctx, tip.Authority{ID: "pnp-first", Name: "PNP", Regions: []string{"PE-LIM"},
		Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000222", Tier: 1}}, Active: true}))
	_, found, err = s.CreateFirst(ctx, newTip(c, "rk-first-authority"), "+51900000222")
	if !errors.Is(err, store.ErrNeedsLookup) || found {
		t.Errorf("CreateFirst from an authority's number: found %v, error %v; want ErrNeedsLookup", found, err)
	}
}

func testLookup(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-lookup")
	l, err := s.Lookup(ctx, n.Message.SID, "rk-lookup", "")
	must(t, err)
	if l.Replayed || l.Conversation != nil || l.OptedOut {
		t.Errorf("Lookup on an empty table = %+v, want nothing", l)
	}
	must(t, s.CreateTip(ctx, n))
	must(t, s.SetOptOut(ctx, "rk-lookup", true))
	l, err = s.Lookup(ctx, n.Message.SID, "rk-lookup", "")
	must(t, err)
	if !l.Replayed || l.Reply != n.Reply || l.Conversation == nil || l.Conversation.TipID != n.Tip.ID || !l.OptedOut {
		t.Errorf("Lookup = %+v, want the replay, the conversation and the opt-out", l)
	}
	if l.PhoneChecked || l.Authority != nil {
		t.Errorf("Lookup without a phone = %+v, want the phone unchecked", l)
	}
	must(t, s.PutAuthority(ctx, tip.Authority{ID: "fistrap-mdd", Name: "FISTRAP Madre de Dios", Regions: []string{"PE-MDD"},
		Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000111", Tier: 1}}, Active: true}))
	l, err = s.Lookup(ctx, "SMauth", "rk-authority", "+51900000111")
	must(t, err)
	if !l.PhoneChecked || l.Authority == nil || l.Authority.AuthorityID != "fistrap-mdd" {
		t.Errorf("Lookup from an authority's number = %+v, want fistrap-mdd", l)
	}
	l, err = s.Lookup(ctx, "SMauth", "rk-lookup", "+51987654321")
	must(t, err)
	if !l.PhoneChecked || l.Authority != nil {
		t.Errorf("Lookup from a reporter's number = %+v, want checked and no authority", l)
	}
	c.Advance(3 * time.Hour)
	l, err = s.Lookup(ctx, "SMother", "rk-lookup", "")
	must(t, err)
	if l.Replayed || l.Conversation != nil {
		t.Errorf("Lookup after the window = %+v, want no replay and no open conversation", l)
	}
}

func testLateFollowUp(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	a := newTip(c, "rk-late")
	must(t, s.CreateTip(ctx, a))
	readA, err := s.Tip(ctx, a.Tip.ID)
	must(t, err)
	c.Advance(2*time.Hour + time.Second) // A's conversation has closed
	b := newTip(c, "rk-late")
	must(t, s.CreateTip(ctx, b))
	err = s.AppendMessage(ctx, followUp(c, readA, "SMlate1", "sigo aqui"))
	if !errors.Is(err, store.ErrConversationOpen) {
		t.Fatalf("AppendMessage to the closed tip error = %v, want ErrConversationOpen", err)
	}
	conv, err := s.OpenConversation(ctx, "rk-late")
	must(t, err)
	if conv.TipID != b.Tip.ID {
		t.Errorf("open conversation is tip %s, want the newer tip %s", conv.TipID, b.Tip.ID)
	}
	if _, err := s.Replay(ctx, "SMlate1"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused follow-up left a dedupe record: %v", err)
	}
}
