package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// alertCases test the alert lifecycle: routes, alerts, claims, delivery
// status, acknowledgement and escalation.
var alertCases = []Case{
	{"authorities read back, list by one query and are found by their numbers", testAuthorities},
	{"a number cannot belong to two authorities, and a removed number is forgotten", testAuthorityNumbers},
	{"routing rules read back in order and can be deleted", testRules},
	{"a route is created once and then saved only at the version read", testRouteVersions},
	{"an alert is written once per contact even by concurrent writers", testAlertOnce},
	{"an alert goes pending, claimed, retried, claimed again and sent, leaving the due index", testAlertLifecycle},
	{"a claim that expires is found again by the sweep and the late worker loses it", testStuckClaim},
	{"delivery statuses are recorded monotonically and only for the alert's message", testDeliveryMonotonic},
	{"a routed tip is due for escalation at its time and leaves the index once acknowledged", testEscalationIndex},
	{"reportable tips waiting in the triaged queue are listed, medium ones and forwarded ones are not", testReportableTriaged},
	{"the triaged queue is read page by page from a cursor that survives the tip it names leaving the queue", testReportableTriagedPages},
	{"the sweep's cursor reads back as saved and is empty at first", testSweepCursor},
	{"a reconcile checkpoint is zero at first, per address, and only moves forward", testReconcileCheckpoint},
	{"a message handled without becoming a tip is found as a replay, and recorded once", testMarkHandled},
	{"the stored messages among many sids are found in batches, the rest are not", testStoredMessages},
	{"due alerts of critical tips are listed before high ones, and those before the rest", testDueAlertsByUrgency},
	{"a consent question is found by its reporter until it expires, the latest one first", testConsentQuestion},
}

func authority(id string, numbers ...string) tip.Authority {
	a := tip.Authority{ID: id, Name: "Fiscalía " + id, Institution: "Ministerio Público – FISTRAP", Regions: []string{"PE-MDD"}, Active: true}
	for i, n := range numbers {
		a.Contacts = append(a.Contacts, tip.Contact{Channel: tip.SMS, Address: n, Tier: i + 1})
	}
	return a
}

func testAuthorities(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	b := authority("fistrap-mdd", "+51900000101", "+51900000102")
	b.Contacts = append(b.Contacts, tip.Contact{Channel: tip.WhatsApp, Address: "+51900000101", Tier: 1})
	must(t, s.PutAuthority(ctx, b))
	must(t, s.PutAuthority(ctx, authority("dirctptim", "+51900000001")))
	got, err := s.Authority(ctx, "fistrap-mdd")
	must(t, err)
	if got.Name != b.Name || len(got.Contacts) != 3 || got.Contacts[1].Tier != 2 || !got.Active || got.Regions[0] != "PE-MDD" {
		t.Errorf("Authority() = %+v, want %+v", got, b)
	}
	all, err := s.Authorities(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "dirctptim" || all[1].ID != "fistrap-mdd" {
		t.Errorf("Authorities() = %+v, want dirctptim then fistrap-mdd", all)
	}
	id, n, err := s.AuthorityByPhone(ctx, "+51900000102")
	must(t, err)
	if id != "fistrap-mdd" || n != 1 {
		t.Errorf("AuthorityByPhone() = %s, %d; want fistrap-mdd, 1", id, n)
	}
	if _, err := s.Authority(ctx, "nobody"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("Authority(nobody) error = %v, want not found", err)
	}
	if _, _, err := s.AuthorityByPhone(ctx, "+51987654321"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("AuthorityByPhone(a reporter) error = %v, want not found", err)
	}
	bad := authority("Bad ID", "12345")
	if err := s.PutAuthority(ctx, bad); !tip.Is(err, tip.KindInvalid) {
		t.Errorf("PutAuthority(malformed) error = %v, want invalid", err)
	}
}

func testAuthorityNumbers(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	must(t, s.PutAuthority(ctx, authority("upe-mdd", "+51900000301", "+51900000302")))
	err := s.PutAuthority(ctx, authority("upe-cus", "+51900000302"))
	if !errors.Is(err, store.ErrNumberTaken) {
		t.Errorf("PutAuthority with another authority's number error = %v, want ErrNumberTaken", err)
	}
	if _, err := s.Authority(ctx, "upe-cus"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused authority was stored: err = %v", err)
	}
	must(t, s.PutAuthority(ctx, authority("upe-mdd", "+51900000301")))
	if _, _, err := s.AuthorityByPhone(ctx, "+51900000302"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("a removed number still names the authority: err = %v", err)
	}
	must(t, s.PutAuthority(ctx, authority("upe-cus", "+51900000302")))
	id, _, err := s.AuthorityByPhone(ctx, "+51900000302")
	must(t, err)
	if id != "upe-cus" {
		t.Errorf("AuthorityByPhone() = %s, want upe-cus", id)
	}
}

func testRules(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	yes := true
	must(t, s.PutRule(ctx, tip.Rule{ID: "mdd-minor", Regions: []string{"PE-MDD"}, Minor: &yes, Tiers: [][]string{{"upe-mdd"}}}))
	must(t, s.PutRule(ctx, tip.Rule{ID: "fallback", Regions: []string{tip.AnyRegion}, Tiers: [][]string{{"dirctptim"}, {"fistrap-lima"}}}))
	rules, err := s.Rules(ctx)
	must(t, err)
	if len(rules) != 2 || rules[0].ID != "fallback" || len(rules[0].Tiers) != 2 || rules[0].Minor != nil ||
		rules[1].Minor == nil || !*rules[1].Minor {
		t.Errorf("Rules() = %+v, want fallback (two tiers, any minor) then mdd-minor (minors)", rules)
	}
	must(t, s.DeleteRule(ctx, "fallback"))
	rules, err = s.Rules(ctx)
	must(t, err)
	if len(rules) != 1 {
		t.Errorf("after delete, Rules() = %+v, want one", rules)
	}
	if err := s.PutRule(ctx, tip.Rule{ID: "empty"}); !tip.Is(err, tip.KindInvalid) {
		t.Errorf("PutRule(empty) error = %v, want invalid", err)
	}
}

func testRouteVersions(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-route")
	must(t, s.CreateTip(ctx, n))
	id := n.Tip.ID
	if _, err := s.Route(ctx, id); !tip.Is(err, tip.KindNotFound) {
		t.Fatalf("Route() of an unrouted tip error = %v, want not found", err)
	}
	r := tip.Route{TipID: id, State: tip.RouteRouted, Tier: 1, Rules: []string{"mdd"},
		Targets:    []tip.Target{{AuthorityID: "fistrap-mdd", Contact: 0, Channel: tip.SMS, Address: "+51900000101", Tier: 1}},
		EscalateAt: c.Now().Add(10 * time.Minute)}
	first := r
	must(t, s.SaveRoute(ctx, &first, tip.Audit{Actor: "system", Action: "route"}))
	second := r
	if err := s.SaveRoute(ctx, &second); !errors.Is(err, store.ErrStale) {
		t.Errorf("a second new route error = %v, want ErrStale", err)
	}
	got, err := s.Route(ctx, id)
	must(t, err)
	if got.Version != 1 || got.State != tip.RouteRouted || len(got.Targets) != 1 || got.Targets[0].Address != "+51900000101" ||
		!got.EscalateAt.Equal(r.EscalateAt) {
		t.Errorf("Route() = %+v, want the routed route at version 1", got)
	}
	stale := got
	got.State = tip.RouteAcknowledged
	must(t, s.SaveRoute(ctx, &got))
	if err := s.SaveRoute(ctx, &stale); !errors.Is(err, store.ErrStale) {
		t.Errorf("saving a stale route error = %v, want ErrStale", err)
	}
	audit, err := s.Audit(ctx, id)
	must(t, err)
	if len(audit) != 1 || audit[0].Action != "route" {
		t.Errorf("Audit() = %+v, want the route entry", audit)
	}
}

func newAlert(tipID, authority string, contact int) tip.Alert {
	return tip.Alert{TipID: tipID, AuthorityID: authority, Contact: contact, Channel: tip.SMS,
		Address: fmt.Sprintf("+5190000%04d", contact), Tier: 1}
}

func testAlertOnce(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-alert-once")
	must(t, s.CreateTip(ctx, n))
	const writers = 8
	var created, existed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.CreateAlert(ctx, newAlert(n.Tip.ID, "fistrap-mdd", 0))
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, store.ErrAlertExists):
				existed.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	must(t, s.CreateAlert(ctx, newAlert(n.Tip.ID, "fistrap-mdd", 1)))
	if created.Load() != 1 || existed.Load() != writers-1 {
		t.Errorf("created %d, refused %d; want 1 and %d", created.Load(), existed.Load(), writers-1)
	}
	alerts, err := s.Alerts(ctx, n.Tip.ID)
	must(t, err)
	if len(alerts) != 2 || alerts[0].Contact != 0 || alerts[1].Contact != 1 || alerts[0].Status != tip.AlertPending || alerts[0].Actor != "system" {
		t.Errorf("Alerts() = %+v, want contacts 0 and 1 pending", alerts)
	}
	msgs, err := s.Messages(ctx, n.Tip.ID)
	must(t, err)
	if len(msgs) != 1 {
		t.Errorf("alerts leak into Messages(): %d messages", len(msgs))
	}
}

func testAlertLifecycle(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-alert-life")
	must(t, s.CreateTip(ctx, n))
	a := newAlert(n.Tip.ID, "pnp-mdd", 0)
	must(t, s.CreateAlert(ctx, a))
	due, err := s.DueAlerts(ctx, c.Now(), 10)
	must(t, err)
	if len(due) != 1 || due[0] != a.Key() {
		t.Fatalf("DueAlerts() = %v, want the new alert", due)
	}
	claimed, err := s.ClaimAlert(ctx, a.Key(), time.Minute)
	must(t, err)
	if claimed.Status != tip.AlertSending || claimed.Attempts != 1 || claimed.Address != a.Address {
		t.Errorf("ClaimAlert() = %+v, want sending, attempt 1", claimed)
	}
	if _, err := s.ClaimAlert(ctx, a.Key(), time.Minute); !errors.Is(err, store.ErrNotClaimable) {
		t.Errorf("a second claim error = %v, want ErrNotClaimable", err)
	}
	must(t, s.AlertRetry(ctx, a.Key(), 1, c.Now().Add(30*time.Second), 20429))
	if due, _ := s.DueAlerts(ctx, c.Now(), 10); len(due) != 0 {
		t.Errorf("DueAlerts() before the retry time = %v, want none", due)
	}
	if _, err := s.ClaimAlert(ctx, a.Key(), time.Minute); !errors.Is(err, store.ErrNotClaimable) {
		t.Errorf("a claim before the retry time error = %v, want ErrNotClaimable", err)
	}
	c.Advance(31 * time.Second)
	if due, _ := s.DueAlerts(ctx, c.Now(), 10); len(due) != 1 {
		t.Errorf("DueAlerts() after the retry time = %v, want the alert", due)
	}
	claimed, err = s.ClaimAlert(ctx, a.Key(), time.Minute)
	must(t, err)
	if claimed.Attempts != 2 || claimed.ErrorCode != 20429 {
		t.Errorf("second claim = %+v, want attempt 2 with the last error", claimed)
	}
	must(t, s.AlertSent(ctx, a.Key(), 2, "SM00000000000000000000000000000001"))
	got, err := s.Alert(ctx, a.Key())
	must(t, err)
	if got.Status != tip.AlertSent || got.SID != "SM00000000000000000000000000000001" || got.Delivery != "queued" {
		t.Errorf("Alert() = %+v, want sent with its SID, queued", got)
	}
	c.Advance(time.Hour)
	if due, _ := s.DueAlerts(ctx, c.Now(), 10); len(due) != 0 {
		t.Errorf("DueAlerts() after sending = %v, want none", due)
	}
	if _, err := s.ClaimAlert(ctx, a.Key(), time.Minute); !errors.Is(err, store.ErrNotClaimable) {
		t.Errorf("claiming a sent alert error = %v, want ErrNotClaimable", err)
	}

	b := newAlert(n.Tip.ID, "pnp-mdd", 1)
	must(t, s.CreateAlert(ctx, b))
	_, err = s.ClaimAlert(ctx, b.Key(), time.Minute)
	must(t, err)
	must(t, s.AlertFailed(ctx, b.Key(), 1, 21610))
	got, err = s.Alert(ctx, b.Key())
	must(t, err)
	if got.Status != tip.AlertFailed || got.ErrorCode != 21610 {
		t.Errorf("Alert() = %+v, want failed with 21610", got)
	}
	if due, _ := s.DueAlerts(ctx, c.Now().Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("DueAlerts() with a failed alert = %v, want none", due)
	}
}

func testStuckClaim(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-alert-stuck")
	must(t, s.CreateTip(ctx, n))
	a := newAlert(n.Tip.ID, "upe-mdd", 0)
	must(t, s.CreateAlert(ctx, a))
	_, err := s.ClaimAlert(ctx, a.Key(), 2*time.Minute)
	must(t, err)
	c.Advance(time.Minute)
	if due, _ := s.DueAlerts(ctx, c.Now(), 10); len(due) != 0 {
		t.Errorf("DueAlerts() during the claim = %v, want none", due)
	}
	c.Advance(90 * time.Second)
	due, err := s.DueAlerts(ctx, c.Now(), 10)
	must(t, err)
	if len(due) != 1 {
		t.Fatalf("DueAlerts() after the claim expired = %v, want the alert", due)
	}
	again, err := s.ClaimAlert(ctx, a.Key(), 2*time.Minute)
	must(t, err)
	if again.Attempts != 2 {
		t.Errorf("re-claim attempts = %d, want 2", again.Attempts)
	}
	if err := s.AlertSent(ctx, a.Key(), 1, "SMlate"); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("the first worker finishing late error = %v, want ErrClaimLost", err)
	}
	must(t, s.AlertSent(ctx, a.Key(), 2, "SMsecond"))
	got, err := s.Alert(ctx, a.Key())
	must(t, err)
	if got.SID != "SMsecond" {
		t.Errorf("SID = %q, want the second worker's", got.SID)
	}
}

func testDeliveryMonotonic(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-alert-delivery")
	must(t, s.CreateTip(ctx, n))
	a := newAlert(n.Tip.ID, "fistrap-mdd", 0)
	must(t, s.CreateAlert(ctx, a))
	_, err := s.ClaimAlert(ctx, a.Key(), time.Minute)
	must(t, err)
	// Twilio's callback for "sent" arrives before the sender records the SID.
	_, ok, err := s.RecordDelivery(ctx, a.Key(), "SMaaa", "sent", 0)
	must(t, err)
	if !ok {
		t.Error("an early callback was not recorded")
	}
	must(t, s.AlertSent(ctx, a.Key(), 1, "SMaaa"))
	steps := []struct {
		sid, status string
		want        bool
	}{
		{"SMaaa", "queued", false},
		{"SMaaa", "delivered", true},
		{"SMaaa", "sent", false},
		{"SMaaa", "delivered", false},
		{"SMbbb", "read", false},
		{"SMaaa", "read", true},
		{"SMaaa", "bogus", false},
	}
	for _, st := range steps {
		_, ok, err := s.RecordDelivery(ctx, a.Key(), st.sid, st.status, 0)
		must(t, err)
		if ok != st.want {
			t.Errorf("RecordDelivery(%s, %s) recorded = %v, want %v", st.sid, st.status, ok, st.want)
		}
	}
	got, err := s.Alert(ctx, a.Key())
	must(t, err)
	if got.Delivery != "read" || got.Status != tip.AlertSent || got.SID != "SMaaa" {
		t.Errorf("Alert() = %+v, want sent, read, SMaaa", got)
	}
	got, ok, err = s.RecordDelivery(ctx, a.Key(), "SMaaa", "undelivered", 30003)
	must(t, err)
	if !ok || got.Delivery != "undelivered" || got.ErrorCode != 30003 {
		t.Errorf("terminal failure: recorded %v, alert %+v; want undelivered with 30003", ok, got)
	}
	if _, ok, _ := s.RecordDelivery(ctx, a.Key(), "SMaaa", "delivered", 0); ok {
		t.Error("a status after a terminal one was recorded")
	}
	if _, _, err := s.RecordDelivery(ctx, tip.AlertKey{TipID: n.Tip.ID, AuthorityID: "nobody"}, "SMccc", "sent", 0); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("RecordDelivery(unknown alert) error = %v, want not found", err)
	}
}

func testEscalationIndex(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-escalate")
	must(t, s.CreateTip(ctx, n))
	r := tip.Route{TipID: n.Tip.ID, State: tip.RouteRouted, Tier: 1, EscalateAt: c.Now().Add(5 * time.Minute)}
	must(t, s.SaveRoute(ctx, &r))
	if due, _ := s.DueEscalations(ctx, c.Now(), 10); len(due) != 0 {
		t.Errorf("DueEscalations() before the time = %v, want none", due)
	}
	c.Advance(5 * time.Minute)
	due, err := s.DueEscalations(ctx, c.Now(), 10)
	must(t, err)
	if len(due) != 1 || due[0] != n.Tip.ID {
		t.Fatalf("DueEscalations() = %v, want the tip", due)
	}
	r.State, r.AckBy, r.AckAt = tip.RouteAcknowledged, "fistrap-mdd", c.Now()
	must(t, s.SaveRoute(ctx, &r))
	if due, _ := s.DueEscalations(ctx, c.Now().Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("DueEscalations() after acknowledgement = %v, want none", due)
	}
}

func testReportableTriaged(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	high := newTip(c, "rk-waiting-1")
	must(t, s.CreateTip(ctx, high))
	medium := newTip(c, "rk-waiting-2")
	medium.Tip.Urgency, medium.Tip.Reportable = tip.Medium, false
	must(t, s.CreateTip(ctx, medium))
	forwarded := newTip(c, "rk-waiting-3")
	must(t, s.CreateTip(ctx, forwarded))
	ft := forwarded.Tip
	ft.Status = tip.StatusForwarded
	must(t, s.SaveTip(ctx, ft))
	got, next, err := s.ReportableTriaged(ctx, "", 100)
	must(t, err)
	if next != "" {
		t.Errorf("ReportableTriaged() cursor = %q after the whole queue, want none", next)
	}
	ids := map[string]bool{}
	for _, tp := range got {
		ids[tp.ID] = true
	}
	if !ids[high.Tip.ID] || ids[medium.Tip.ID] || ids[forwarded.Tip.ID] {
		t.Errorf("ReportableTriaged() = %v, want the high triaged tip only", ids)
	}
}

func testReportableTriagedPages(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	var want []string
	for i := 0; i < 7; i++ {
		n := newTip(c, fmt.Sprintf("rk-page-%d", i))
		if i%2 == 0 {
			n.Tip.Urgency = tip.Critical // critical ones come first
		}
		must(t, s.CreateTip(ctx, n))
		want = append(want, n.Tip.ID)
		c.Advance(time.Second)
	}
	order := append(append([]string{}, want[0], want[2], want[4], want[6]), want[1], want[3], want[5])
	var got []string
	after := ""
	for page := 0; page < 10; page++ {
		tips, next, err := s.ReportableTriaged(ctx, after, 3)
		must(t, err)
		if len(tips) > 3 {
			t.Fatalf("page of %d tips, want at most 3", len(tips))
		}
		for _, tp := range tips {
			got = append(got, tp.ID)
		}
		if page == 0 {
			// The tip the cursor names leaves the queue: the next page
			// starts after its place all the same.
			last := tips[len(tips)-1]
			last.Status = tip.StatusForwarded
			must(t, s.SaveTip(ctx, last))
		}
		if next == "" {
			break
		}
		after = next
	}
	if fmt.Sprint(got) != fmt.Sprint(order) {
		t.Errorf("pages read %v, want %v", got, order)
	}
}

func testSweepCursor(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	got, err := s.SweepCursor(ctx)
	if err != nil || got != "" {
		t.Errorf("SweepCursor() on an empty table = %q, %v; want empty", got, err)
	}
	for _, want := range []string{"1#2026-11-20T22:15:00.000000000Z#01TIPX", ""} {
		must(t, s.SaveSweepCursor(ctx, want))
		got, err := s.SweepCursor(ctx)
		if err != nil || got != want {
			t.Errorf("SweepCursor() = %q, %v; want %q", got, err, want)
		}
	}
}

func testConsentQuestion(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	if _, err := s.ConsentQuestion(ctx, "rk-consent"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("ConsentQuestion() before any question error = %v, want not found", err)
	}
	must(t, s.SaveConsentQuestion(ctx, "rk-consent", "01TIPCONSENT1", 7*24*time.Hour))
	c.Advance(time.Hour)
	must(t, s.SaveConsentQuestion(ctx, "rk-consent", "01TIPCONSENT2", 7*24*time.Hour))
	steps := []struct {
		name    string
		advance time.Duration
		want    string // "" for not found
	}{
		{"the latest question is found at once", 0, "01TIPCONSENT2"},
		{"it is found six days later, long after the conversation closed", 6 * 24 * time.Hour, "01TIPCONSENT2"},
		{"it is not found once it expired, even before the table deletes it", 2 * 24 * time.Hour, ""},
	}
	for _, st := range steps {
		c.Advance(st.advance)
		got, err := s.ConsentQuestion(ctx, "rk-consent")
		if st.want == "" && !tip.Is(err, tip.KindNotFound) || st.want != "" && (err != nil || got != st.want) {
			t.Errorf("%s: ConsentQuestion() = %q, %v; want %q", st.name, got, err, st.want)
		}
	}
	if _, err := s.ConsentQuestion(ctx, "rk-other"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("ConsentQuestion() of another reporter error = %v, want not found", err)
	}
}

func testReconcileCheckpoint(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	got, err := s.ReconcileCheckpoint(ctx, "+51900000000")
	if err != nil || !got.IsZero() {
		t.Errorf("ReconcileCheckpoint() on an empty table = %v, %v; want zero", got, err)
	}
	t1 := start.Add(5 * time.Minute)
	must(t, s.SaveReconcileCheckpoint(ctx, "+51900000000", t1))
	must(t, s.SaveReconcileCheckpoint(ctx, "+51900000000", t1.Add(-time.Minute))) // a slower run ends later
	must(t, s.SaveReconcileCheckpoint(ctx, "whatsapp:+51900000000", t1.Add(time.Hour)))
	tests := []struct {
		address string
		want    time.Time
	}{
		{"+51900000000", t1},
		{"whatsapp:+51900000000", t1.Add(time.Hour)},
		{"+51911111111", time.Time{}},
	}
	for _, tc := range tests {
		got, err := s.ReconcileCheckpoint(ctx, tc.address)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ReconcileCheckpoint(%s) = %v, %v; want %v", tc.address, got, err, tc.want)
		}
	}
}

func testDueAlertsByUrgency(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	var want []string
	for i, u := range []tip.Urgency{tip.Medium, tip.High, tip.Critical, tip.High, tip.Critical} {
		a := tip.Alert{TipID: fmt.Sprintf("01TIPDUE%02d", i), AuthorityID: "fistrap-mdd", Channel: tip.SMS, Address: "+51900000111", Tier: 1, Urgency: u}
		must(t, s.CreateAlert(ctx, a))
		c.Advance(time.Second)
	}
	want = []string{"01TIPDUE02", "01TIPDUE04", "01TIPDUE01", "01TIPDUE03", "01TIPDUE00"}
	keys, err := s.DueAlerts(ctx, c.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.TipID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DueAlerts() = %v, want %v", got, want)
	}
	keys, err = s.DueAlerts(ctx, c.Now(), 3)
	if err != nil || len(keys) != 3 || keys[2].TipID != "01TIPDUE01" {
		t.Errorf("DueAlerts(limit 3) = %v, %v; want the two critical and the first high", keys, err)
	}
	// A claimed and retried alert stays in its urgency's partition.
	claimed, err := s.ClaimAlert(ctx, keys[0], time.Minute)
	must(t, err)
	must(t, s.AlertRetry(ctx, keys[0], claimed.Attempts, c.Now(), 0))
	keys, err = s.DueAlerts(ctx, c.Now(), 2)
	if err != nil || len(keys) != 2 || keys[0].TipID != "01TIPDUE04" || keys[1].TipID != "01TIPDUE02" {
		t.Errorf("DueAlerts(limit 2) after a retry = %v, %v; want both critical alerts, the retried one now last", keys, err)
	}
}

func testStoredMessages(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	var sids []string
	want := map[string]bool{}
	for i := 0; i < 230; i++ { // more than two batches of 100
		sid := fmt.Sprintf("SM%032d", 5000+i)
		sids = append(sids, sid)
		if i%7 == 0 {
			must(t, s.MarkHandled(ctx, sid, "<Response/>"))
			want[sid] = true
		}
	}
	sids = append(sids, sids[0]) // a sid twice
	got, err := s.Stored(ctx, sids)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Stored() = %d sids, %v; want the %d marked handled", len(got), err, len(want))
	}
	if got, err := s.Stored(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Stored(nil) = %v, %v; want none", got, err)
	}
}

func testMarkHandled(t *testing.T, f Factory) {
	s, _, ctx := setup(t, f)
	const sid = "SM000000000000000000000000000000aa"
	must(t, s.MarkHandled(ctx, sid, "<Response><Message>Listo</Message></Response>"))
	l, err := s.Lookup(ctx, sid, "rk-handled", "")
	if err != nil || !l.Replayed || l.Reply != "<Response><Message>Listo</Message></Response>" {
		t.Errorf("Lookup() = %+v, %v; want the handled message replayed with its reply", l, err)
	}
	if err := s.MarkHandled(ctx, sid, "<Response/>"); !errors.Is(err, store.ErrDuplicate) || !tip.Is(err, tip.KindConflict) {
		t.Errorf("second MarkHandled() error = %v, want ErrDuplicate of kind conflict", err)
	}
}
