package storetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// staffCases test the staff queue: listing by index, pagination, filters,
// optimistic updates and the audit trail.
var staffCases = []Case{
	{"the queue pages through every index in urgency then age order", testQueuePages},
	{"queue filters and scopes select exactly the matching tips", testQueueFilters},
	{"a cursor of another query is refused", testQueueCursorMismatch},
	{"a tampered cursor is refused as invalid", testQueueCursorTampered},
	{"paging the unfiltered queue while statuses change lists every tip exactly once", testQueuePagingWhileStatusesChange},
	{"a reply is stored as an outbound message with its audit entry", testAddOutbound},
	{"figures count a period by day, region and status, with medians to alert and acknowledgement", testStats},
}

// queueTip describes one tip of a queue fixture.
type queueTip struct {
	urgency  tip.Urgency
	status   tip.Status
	region   string
	campaign string
	text     string
}

// seedQueue stores the tips one minute apart and returns them in creation order.
func seedQueue(t *testing.T, s *store.Store, c *Clock, tips []queueTip) []*tip.Tip {
	t.Helper()
	ctx := t.Context()
	var out []*tip.Tip
	for i, q := range tips {
		n := newTip(c, fmt.Sprintf("rk-queue-%d-%d", seq.Load(), i))
		n.Window = 0
		tp := n.Tip
		tp.Urgency, tp.Status, tp.Region, tp.CampaignID = q.urgency, q.status, q.region, q.campaign
		if q.text != "" {
			tp.Text = q.text
		}
		must(t, s.CreateTip(ctx, n))
		out = append(out, tp)
		c.Advance(time.Minute)
	}
	return out
}

// queueOrder sorts tips as the queue must: most urgent first, then oldest.
func queueOrder(tips []*tip.Tip) []string {
	s := slices.Clone(tips)
	sort.SliceStable(s, func(i, j int) bool {
		if ri, rj := s[i].Urgency.Rank(), s[j].Urgency.Rank(); ri != rj {
			return ri < rj
		}
		return s[i].CreatedAt.Before(s[j].CreatedAt)
	})
	ids := make([]string, len(s))
	for i, t := range s {
		ids[i] = t.ID
	}
	return ids
}

func where(tips []*tip.Tip, keep func(*tip.Tip) bool) []*tip.Tip {
	var out []*tip.Tip
	for _, t := range tips {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// listAll follows the cursors and returns the ids, failing on a loop.
func listAll(t *testing.T, s *store.Store, q store.TipQuery) (ids []string, pages int) {
	t.Helper()
	for {
		page, err := s.ListTips(t.Context(), q)
		must(t, err)
		pages++
		if len(page.Tips) > q.Limit && q.Limit > 0 {
			t.Fatalf("page of %d tips, limit %d", len(page.Tips), q.Limit)
		}
		for _, tp := range page.Tips {
			ids = append(ids, tp.ID)
		}
		if page.NextCursor == "" {
			return ids, pages
		}
		if pages > 50 {
			t.Fatal("cursors never end")
		}
		q.Cursor = page.NextCursor
	}
}

var mixedQueue = []queueTip{
	{tip.Medium, tip.StatusTriaged, "PE-MDD", "C1", ""},
	{tip.Critical, tip.StatusNew, "PE-CUS", "C1", ""},
	{tip.High, tip.StatusTriaged, "PE-MDD", "C2", ""},
	{tip.Low, tip.StatusClosed, "", "", ""},
	{tip.Critical, tip.StatusForwarded, "PE-MDD", "C1", ""},
	{tip.High, tip.StatusTriaged, "", "C1", ""},
	{tip.Medium, tip.StatusNew, "PE-LOR", "", ""},
	{tip.Low, tip.StatusTriaged, "PE-MDD", "C1", ""},
	{tip.Critical, tip.StatusTriaged, "PE-MDD", "C2", ""},
}

func testQueuePages(t *testing.T, f Factory) {
	s, c, _ := setup(t, f)
	all := seedQueue(t, s, c, mixedQueue)
	for _, tc := range []struct {
		name string
		q    store.TipQuery
		want []*tip.Tip
	}{
		{"every status partition merged", store.TipQuery{}, all},
		{"one status partition", store.TipQuery{Statuses: []tip.Status{tip.StatusTriaged}},
			where(all, func(t *tip.Tip) bool { return t.Status == tip.StatusTriaged })},
		{"one region partition", store.TipQuery{Region: "PE-MDD"},
			where(all, func(t *tip.Tip) bool { return t.Region == "PE-MDD" })},
		{"a campaign read once per urgency", store.TipQuery{Campaign: "C1"},
			where(all, func(t *tip.Tip) bool { return t.CampaignID == "C1" })},
		{"two regions of a scope merged", store.TipQuery{Scope: store.Scope{Regions: []string{"PE-MDD", "PE-CUS"}, NoRegionHidden: true}},
			where(all, func(t *tip.Tip) bool { return t.Region == "PE-MDD" || t.Region == "PE-CUS" })},
	} {
		want := queueOrder(tc.want)
		for _, limit := range []int{1, 2, 4, 200} {
			q := tc.q
			q.Limit = limit
			got, pages := listAll(t, s, q)
			if !slices.Equal(got, want) {
				t.Errorf("%s, limit %d: ids = %v, want %v", tc.name, limit, got, want)
			}
			if minPages := (len(want) + limit - 1) / limit; pages < minPages {
				t.Errorf("%s, limit %d: %d pages, want at least %d", tc.name, limit, pages, minPages)
			}
		}
	}
}

func testQueueFilters(t *testing.T, f Factory) {
	s, c, _ := setup(t, f)
	tips := mixedQueue
	tips = append(slices.Clone(tips),
		queueTip{tip.High, tip.StatusTriaged, "PE-PUN", "C2", "Vi a una NIÑA en el camión de Juliaca"},
		queueTip{tip.Medium, tip.StatusNew, "PE-PUN", "", "la nina vende dulces de noche"},
	)
	all := seedQueue(t, s, c, tips)
	for _, tc := range []struct {
		name string
		q    store.TipQuery
		want func(*tip.Tip) bool
	}{
		{"status triaged", store.TipQuery{Statuses: []tip.Status{tip.StatusTriaged}},
			func(t *tip.Tip) bool { return t.Status == tip.StatusTriaged }},
		{"two statuses", store.TipQuery{Statuses: []tip.Status{tip.StatusNew, tip.StatusForwarded}},
			func(t *tip.Tip) bool { return t.Status == tip.StatusNew || t.Status == tip.StatusForwarded }},
		{"urgency critical over every status", store.TipQuery{Urgency: tip.Critical},
			func(t *tip.Tip) bool { return t.Urgency == tip.Critical }},
		{"region and status", store.TipQuery{Region: "PE-MDD", Statuses: []tip.Status{tip.StatusTriaged}},
			func(t *tip.Tip) bool { return t.Region == "PE-MDD" && t.Status == tip.StatusTriaged }},
		{"region and urgency", store.TipQuery{Region: "PE-MDD", Urgency: tip.Critical},
			func(t *tip.Tip) bool { return t.Region == "PE-MDD" && t.Urgency == tip.Critical }},
		{"region and campaign", store.TipQuery{Region: "PE-MDD", Campaign: "C2"},
			func(t *tip.Tip) bool { return t.Region == "PE-MDD" && t.CampaignID == "C2" }},
		{"campaign and urgency", store.TipQuery{Campaign: "C1", Urgency: tip.High},
			func(t *tip.Tip) bool { return t.CampaignID == "C1" && t.Urgency == tip.High }},
		{"campaign and status", store.TipQuery{Campaign: "C1", Statuses: []tip.Status{tip.StatusTriaged}},
			func(t *tip.Tip) bool { return t.CampaignID == "C1" && t.Status == tip.StatusTriaged }},
		{"tips without a region", store.TipQuery{Region: store.NoRegion},
			func(t *tip.Tip) bool { return t.Region == "" }},
		{"text ignoring case and accents", store.TipQuery{Text: "niña"},
			func(t *tip.Tip) bool { return t.Region == "PE-PUN" }},
		{"text with capitals and no accent", store.TipQuery{Text: "NINA EN EL CAMION"},
			func(t *tip.Tip) bool { return t.Region == "PE-PUN" && t.Urgency == tip.High }},
		{"a scope without regions hides tips with none", store.TipQuery{Scope: store.Scope{NoRegionHidden: true}},
			func(t *tip.Tip) bool { return t.Region != "" }},
		{"a scope hides a campaign's tips of other regions", store.TipQuery{Campaign: "C1", Scope: store.Scope{Regions: []string{"PE-CUS"}, NoRegionHidden: true}},
			func(t *tip.Tip) bool { return t.CampaignID == "C1" && t.Region == "PE-CUS" }},
		{"a region outside the scope shows nothing", store.TipQuery{Region: "PE-LOR", Scope: store.Scope{Regions: []string{"PE-MDD"}, NoRegionHidden: true}},
			func(t *tip.Tip) bool { return false }},
		{"a scope hides tips without region from a region filter NONE", store.TipQuery{Region: store.NoRegion, Scope: store.Scope{NoRegionHidden: true}},
			func(t *tip.Tip) bool { return false }},
	} {
		want := queueOrder(where(all, tc.want))
		q := tc.q
		q.Limit = 3
		got, _ := listAll(t, s, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s: ids = %v, want %v", tc.name, got, want)
		}
	}
}

func testQueueCursorMismatch(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	seedQueue(t, s, c, mixedQueue)
	page, err := s.ListTips(ctx, store.TipQuery{Region: "PE-MDD", Limit: 1})
	must(t, err)
	if page.NextCursor == "" {
		t.Fatal("no cursor after the first of several tips")
	}
	for _, q := range []store.TipQuery{
		{Region: "PE-CUS", Limit: 1, Cursor: page.NextCursor},
		{Region: "PE-MDD", Limit: 1, Cursor: page.NextCursor, Scope: store.Scope{Regions: []string{"PE-CUS"}}},
		{Region: "PE-MDD", Limit: 1, Cursor: "not-a-cursor"},
	} {
		if _, err := s.ListTips(ctx, q); !tip.Is(err, tip.KindInvalid) {
			t.Errorf("ListTips(%+v) error = %v, want invalid", q, err)
		}
	}
}

// tamper decodes a cursor, lets change edit its JSON and encodes it again.
func tamper(t *testing.T, cursor string, change func(c map[string]any)) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	must(t, err)
	var c map[string]any
	must(t, json.Unmarshal(raw, &c))
	change(c)
	raw, err = json.Marshal(c)
	must(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func testQueueCursorTampered(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	seedQueue(t, s, c, mixedQueue)
	for _, q := range []store.TipQuery{{Limit: 1}, {Region: "PE-MDD", Limit: 1}, {Campaign: "C1", Limit: 1}} {
		page, err := s.ListTips(ctx, q)
		must(t, err)
		if page.NextCursor == "" {
			t.Fatalf("ListTips(%+v): no cursor after the first of several tips", q)
		}
		// The first source with a start key.
		firstKey := func(c map[string]any) map[string]any {
			for _, src := range c["s"].([]any) {
				if a, ok := src.(map[string]any)["a"].(map[string]any); ok {
					return a
				}
			}
			t.Fatalf("cursor %v has no start key", c)
			return nil
		}
		for _, tc := range []struct {
			name   string
			change func(c map[string]any)
		}{
			{"an extra key attribute", func(c map[string]any) { firstKey(c)["GSI9PK"] = "x" }},
			{"a missing key attribute", func(c map[string]any) { delete(firstKey(c), "SK") }},
			{"a key attribute of another item type", func(c map[string]any) { firstKey(c)["SK"] = "MSG#1" }},
			{"an empty partition key", func(c map[string]any) { firstKey(c)["PK"] = "" }},
			{"a control character in a key", func(c map[string]any) { firstKey(c)["PK"] = "TIP#\x00" }},
			{"a position of another form", func(c map[string]any) { c["p"] = "zz" }},
			{"a source of the wrong type", func(c map[string]any) { c["s"] = "x" }},
		} {
			bad := tamper(t, page.NextCursor, tc.change)
			q.Cursor = bad
			if _, err := s.ListTips(ctx, q); !tip.Is(err, tip.KindInvalid) {
				t.Errorf("ListTips with %s = %v, want invalid", tc.name, err)
			}
			q.Cursor = ""
		}
	}
}

func testQueuePagingWhileStatusesChange(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	var fixture []queueTip
	urgencies := []tip.Urgency{tip.Critical, tip.High, tip.Medium, tip.Low}
	statuses := []tip.Status{tip.StatusTriaged, tip.StatusTriaged, tip.StatusForwarded, tip.StatusNew}
	for i := 0; i < 60; i++ {
		fixture = append(fixture, queueTip{urgency: urgencies[i%4], status: statuses[(i/4)%4], region: "PE-MDD"})
	}
	tips := seedQueue(t, s, c, fixture)
	// Between pages, tips move on (triaged to forwarded to acknowledged to
	// closed, new to triaged), listed ones and ones still to come alike.
	next := map[tip.Status]tip.Status{tip.StatusNew: tip.StatusTriaged, tip.StatusTriaged: tip.StatusForwarded,
		tip.StatusForwarded: tip.StatusAcknowledged, tip.StatusAcknowledged: tip.StatusClosed}
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 40 {
			t.Fatal("more than 40 pages of 7 for 60 tips")
		}
		page, err := s.ListTips(ctx, store.TipQuery{Limit: 7, Cursor: cursor})
		must(t, err)
		for _, tp := range page.Tips {
			seen[tp.ID]++
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		for k := 0; k < 6; k++ {
			id := tips[(pages*13+k*7)%len(tips)].ID
			cur, err := s.Tip(ctx, id)
			must(t, err)
			if st, ok := next[cur.Status]; ok {
				cur.Status = st
				must(t, s.SaveTip(ctx, cur))
			}
		}
	}
	for _, tp := range tips {
		if seen[tp.ID] != 1 {
			t.Errorf("tip %s (%s) listed %d times, want once", tp.ID, tp.Urgency, seen[tp.ID])
		}
	}
	if len(seen) != len(tips) {
		t.Errorf("%d tips listed, want %d", len(seen), len(tips))
	}
}

func testAddOutbound(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-outbound")
	must(t, s.CreateTip(ctx, n))
	c.Advance(time.Minute)
	m := &tip.Message{SID: "SMout1", Body: "Gracias, ¿puedes decirnos el lugar?", CreatedAt: c.Now()}
	must(t, s.AddOutbound(ctx, n.Tip.ID, m, tip.Audit{Actor: "staff:ana", Action: "reply", Detail: map[string]string{"message_sid": "SMout1"}}))
	msgs, err := s.Messages(ctx, n.Tip.ID)
	must(t, err)
	if len(msgs) != 2 || msgs[1].Direction != tip.Outbound || msgs[1].SID != "SMout1" || msgs[1].Body != m.Body {
		t.Errorf("Messages() = %+v, want the inbound message then the outbound reply", msgs)
	}
	audit, err := s.Audit(ctx, n.Tip.ID)
	must(t, err)
	if len(audit) != 1 || audit[0].Action != "reply" || audit[0].Actor != "staff:ana" || !audit[0].At.Equal(c.Now()) {
		t.Errorf("Audit() = %+v, want one reply entry by staff:ana", audit)
	}
	got, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	if got.Version != 1 {
		t.Errorf("tip version after a reply = %d, want 1 (untouched)", got.Version)
	}
	err = s.AddOutbound(ctx, "01NOSUCHTIP", &tip.Message{SID: "SMout2", CreatedAt: c.Now()}, tip.Audit{Actor: "staff:ana", Action: "reply"})
	if !tip.Is(err, tip.KindNotFound) {
		t.Errorf("AddOutbound to a missing tip error = %v, want not found", err)
	}
	if msgs, _ := s.Messages(ctx, "01NOSUCHTIP"); len(msgs) != 0 {
		t.Errorf("a reply to a missing tip left %d messages", len(msgs))
	}
}

func testStats(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	// start is 22:15 UTC, 17:15 in Lima: tips one hour apart fall on two Lima days.
	day1 := seedQueue(t, s, c, []queueTip{
		{tip.Critical, tip.StatusTriaged, "PE-MDD", "C1", ""},
		{tip.High, tip.StatusTriaged, "PE-CUS", "C2", ""},
		{tip.Medium, tip.StatusNew, "", "", ""},
	})
	c.Advance(7 * time.Hour) // past midnight in Lima
	day2 := seedQueue(t, s, c, []queueTip{
		{tip.High, tip.StatusTriaged, "PE-MDD", "C1", ""},
		{tip.Low, tip.StatusSpam, "PE-MDD", "", ""},
	})
	// Forward two tips: one forwarded after 4 minutes and acknowledged
	// after 10, the other forwarded after 8 minutes and never acknowledged.
	c.Advance(day1[0].CreatedAt.Sub(c.Now())) // back to the first receipt
	forward := func(tp *tip.Tip, status tip.Status) {
		cur, err := s.Tip(ctx, tp.ID)
		must(t, err)
		cur.Status = status
		must(t, s.SaveTip(ctx, cur, tip.Audit{Actor: "system", Action: "status"}))
	}
	c.Advance(4 * time.Minute)
	forward(day1[0], tip.StatusForwarded)
	c.Advance(6 * time.Minute)
	forward(day1[0], tip.StatusAcknowledged)
	c.Advance(day2[0].CreatedAt.Add(8 * time.Minute).Sub(c.Now()))
	forward(day2[0], tip.StatusForwarded)
	c.Advance(time.Hour)
	every := []string{"C1", "C2", ""}
	lima := time.FixedZone("PET", -5*3600)
	st, err := s.Stats(ctx, store.StatsQuery{Campaigns: every, From: start, To: c.Now().Add(time.Hour), Location: lima})
	must(t, err)
	if st.Total != 5 || st.ByDay["2026-11-20"] != 3 || st.ByDay["2026-11-21"] != 2 {
		t.Errorf("total %d, by day %v; want 5, 3 on 2026-11-20 and 2 on 2026-11-21", st.Total, st.ByDay)
	}
	if st.ByRegion["PE-MDD"] != 3 || st.ByRegion["none"] != 1 || st.ByUrgency["high"] != 2 || st.ByStatus["spam"] != 1 ||
		st.ByStatus["acknowledged"] != 1 || st.ByChannel["whatsapp"] != 5 || st.ByCategory[tip.CategorySexual] != 5 {
		t.Errorf("by region %v, urgency %v, status %v, channel %v, category %v", st.ByRegion, st.ByUrgency, st.ByStatus, st.ByChannel, st.ByCategory)
	}
	if st.Forwarded != 2 || st.ShareForwarded != 0.4 {
		t.Errorf("forwarded %d (share %v), want 2 (0.4)", st.Forwarded, st.ShareForwarded)
	}
	if st.MedianMinutesToFirstAlert == nil || *st.MedianMinutesToFirstAlert != 6 {
		t.Errorf("median minutes to first alert = %v, want 6", st.MedianMinutesToFirstAlert)
	}
	if st.MedianMinutesToAck == nil || *st.MedianMinutesToAck != 10 {
		t.Errorf("median minutes to acknowledgement = %v, want 10", st.MedianMinutesToAck)
	}
	for _, tc := range []struct {
		name  string
		q     store.StatsQuery
		total int
	}{
		{"one campaign", store.StatsQuery{Campaigns: []string{"C1"}, From: start, To: c.Now()}, 2},
		{"tips of no campaign", store.StatsQuery{Campaigns: []string{""}, From: start, To: c.Now()}, 2},
		{"one region", store.StatsQuery{Campaigns: every, Region: "PE-MDD", From: start, To: c.Now()}, 3},
		{"tips without a region", store.StatsQuery{Campaigns: every, Region: store.NoRegion, From: start, To: c.Now()}, 1},
		{"the period is half-open", store.StatsQuery{Campaigns: every, From: start, To: day1[2].CreatedAt}, 2},
		{"an empty period", store.StatsQuery{Campaigns: every, From: start.Add(-48 * time.Hour), To: start}, 0},
	} {
		st, err := s.Stats(ctx, tc.q)
		must(t, err)
		if st.Total != tc.total {
			t.Errorf("%s: total %d, want %d", tc.name, st.Total, tc.total)
		}
		if tc.total == 0 && (st.MedianMinutesToFirstAlert != nil || st.ShareForwarded != 0) {
			t.Errorf("%s: figures %+v, want no medians and no share", tc.name, st)
		}
	}
}
