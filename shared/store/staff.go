package store

// The staff queue, its export and its figures.
//
// Access patterns, each a Query on a key or an index, never a Scan:
//
//	queue of one or more statuses      Query GSI1 QUEUE#<status> per status, merged by <rank>#<created>#<id>
//	queue of one or more regions       Query GSI3 REGION#<code> per region, merged the same way
//	queue of a campaign                Query GSI2 CAMPAIGN#<id> once per urgency rank (FilterExpression
//	                                   urgency), concatenated: most urgent first, then oldest first
//	urgency filter on GSI1 / GSI3      key condition begins_with(<rank>#)
//	figures of a period                Query GSI2 CAMPAIGN#<id> with <created> BETWEEN from AND to,
//	                                   per campaign asked for (every campaign, plus NONE)
//
// The remaining filters (status, campaign, region, urgency of a campaign pass)
// are FilterExpressions; the text filter is case- and accent-insensitive and
// is applied in Go to each item read.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// Queue page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// maxQueries bounds the Query calls of one page, so that a filter that
	// matches little cannot make one request read a whole partition; the
	// page then holds fewer tips than asked and a cursor to go on.
	maxQueries = 40
)

// Scope is the part of the table a caller may see.
type Scope struct {
	// Regions, when not nil, restricts the caller to tips of these regions.
	Regions []string
	// NoRegionHidden hides tips without a region.
	NoRegionHidden bool
}

// Unrestricted reports whether the scope sees every tip.
func (s Scope) Unrestricted() bool { return s.Regions == nil && !s.NoRegionHidden }

// Allows reports whether a tip of region (empty: none) is in the scope.
func (s Scope) Allows(region string) bool {
	if region == "" {
		return !s.NoRegionHidden && s.Regions == nil
	}
	return s.Regions == nil || slices.Contains(s.Regions, region)
}

// TipQuery selects a page of the queue. Zero values mean no filter.
type TipQuery struct {
	Statuses []tip.Status
	Urgency  tip.Urgency
	Region   string // an ISO 3166-2:PE code, or NoRegion for tips without one
	Campaign string
	Text     string // contained in the tip's text, ignoring case and accents
	Scope    Scope
	Limit    int    // DefaultLimit when 0; at most MaxLimit
	Cursor   string // from the previous page's NextCursor
}

// TipPage is one page of the queue, most urgent first, then oldest first.
type TipPage struct {
	Tips       []*tip.Tip
	NextCursor string // empty on the last page
}

// source is one Query of a listing: an index partition, with its key and
// filter conditions. Sources are merged by the queue order.
type source struct {
	index, pkName, skName, pk string
	prefix                    string // key condition begins_with on the sort key, or ""
	filter                    *expression.ConditionBuilder
	floor                     string // no item of this source sorts before floor
}

type sourceState struct {
	Done  bool              `json:"d,omitempty"`
	After map[string]string `json:"a,omitempty"` // key of the last item consumed
}

// cursorState is where a listing stopped. Pos is the queue place (order)
// of the last tip listed: every source's next page starts after it, so a
// tip that moved to another status partition between two pages (its queue
// key is the same in every partition) is listed once, before the move or
// after it, never twice or not at all. After keeps a source's own progress
// past Pos through items its filter dropped.
type cursorState struct {
	Query   string        `json:"q"`
	Pos     string        `json:"p,omitempty"`
	Sources []sourceState `json:"s"`
}

// ListTips returns a page of the queue. Errors: invalid for a cursor that
// is malformed or belongs to another query, or transient.
func (s *Store) ListTips(ctx context.Context, q TipQuery) (TipPage, error) {
	const op = "store: list tips"
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	srcs := plan(q)
	fp := fingerprint(q)
	states := make([]sourceState, len(srcs))
	pos := ""
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil || c.Query != fp || len(c.Sources) != len(srcs) || !validCursor(c, srcs) {
			return TipPage{}, tip.Errorf(tip.KindInvalid, op, "cursor does not belong to this query")
		}
		states, pos = c.Sources, c.Pos
		for i := range states {
			if pos != "" && srcs[i].index != "GSI2" {
				// A partition read to its end may have gained tips since.
				states[i].Done = false
			}
		}
	}
	needle := Fold(q.Text)
	m := &merger{s: s, op: op, srcs: srcs, states: states, bufs: make([][]tipItem, len(srcs)),
		leks: make([]map[string]types.AttributeValue, len(srcs)), fetched: make([]bool, len(srcs)), pos: pos,
		start: pos, seen: map[string]bool{}}
	var page TipPage
	for len(page.Tips) < q.Limit {
		it, ok, err := m.next(ctx)
		if err != nil {
			return TipPage{}, err
		}
		if !ok {
			break
		}
		if m.seen[it.ID] {
			continue // read in two partitions: it moved while this page was read
		}
		m.seen[it.ID] = true
		m.pos = it.order()
		if needle != "" && !strings.Contains(Fold(it.Text), needle) {
			continue
		}
		page.Tips = append(page.Tips, it.tip())
	}
	if !m.exhausted() {
		b, _ := json.Marshal(cursorState{Query: fp, Pos: m.pos, Sources: m.states})
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// validCursor checks what a cursor holds, so that a tampered one is a bad
// request and never reaches DynamoDB: a position of the queue's form, and
// for each source a start key of exactly the attributes of its index, in
// its partition, on a tip item.
func validCursor(c cursorState, srcs []source) bool {
	if c.Pos != "" && !queuePlace.MatchString(c.Pos) {
		return false
	}
	for i, st := range c.Sources {
		if st.After == nil {
			continue
		}
		src := srcs[i]
		if len(st.After) != 4 || st.After[src.pkName] != src.pk || st.After["SK"] != "TIP" ||
			!strings.HasPrefix(st.After["PK"], "TIP#") || len(st.After["PK"]) <= len("TIP#") || st.After[src.skName] == "" {
			return false
		}
		for _, v := range st.After {
			if len(v) > 256 || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == utf8.RuneError }) {
				return false
			}
		}
	}
	return true
}

// queuePlace is the form of a tip's place in the queue (tipItem.order).
var queuePlace = regexp.MustCompile(`^[0-9]#[0-9T:.Z-]{1,40}#[0-9A-Za-z_-]{1,64}$`)

func decodeCursor(s string) (cursorState, error) {
	var c cursorState
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}

// fingerprint identifies a query so that a cursor cannot be replayed on
// another one (with another scope, say).
func fingerprint(q TipQuery) string {
	b, _ := json.Marshal([]any{q.Statuses, q.Urgency, q.Region, q.Campaign, Fold(q.Text), q.Scope.Regions, q.Scope.NoRegionHidden})
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// plan picks the index by the most selective filter: region (GSI3), then
// campaign (GSI2), then status (GSI1), every status partition otherwise.
func plan(q TipQuery) []source {
	var filters []expression.ConditionBuilder
	statusFilter := func() {
		if len(q.Statuses) > 0 {
			filters = append(filters, inStrings("status", statusStrings(q.Statuses)))
		}
	}
	campaignFilter := func() {
		if q.Campaign != "" {
			filters = append(filters, expression.Name("GSI2PK").Equal(expression.Value("CAMPAIGN#"+q.Campaign)))
		}
	}
	hideNoRegion := func() {
		if q.Scope.NoRegionHidden {
			filters = append(filters, expression.Name("GSI3PK").NotEqual(expression.Value("REGION#"+NoRegion)))
		}
	}
	prefix := ""
	if q.Urgency != "" {
		prefix = fmt.Sprintf("%d#", q.Urgency.Rank())
	}
	var regions []string
	switch {
	case q.Region != "":
		regions = []string{q.Region}
		if !q.Scope.Unrestricted() && !q.Scope.Allows(regionOrEmpty(q.Region)) {
			regions = []string{} // outside the scope: nothing to see
		}
	case q.Scope.Regions != nil:
		regions = q.Scope.Regions
	}
	var srcs []source
	switch {
	case regions != nil:
		statusFilter()
		campaignFilter()
		f := and(filters)
		for _, r := range regions {
			srcs = append(srcs, source{index: "GSI3", pkName: "GSI3PK", skName: "GSI3SK", pk: "REGION#" + r, prefix: prefix, filter: f})
		}
	case q.Campaign != "":
		statusFilter()
		hideNoRegion()
		ranks := []tip.Urgency{tip.Critical, tip.High, tip.Medium, tip.Low, ""}
		if q.Urgency != "" {
			ranks = []tip.Urgency{q.Urgency}
		}
		known := []string{string(tip.Critical), string(tip.High), string(tip.Medium), string(tip.Low)}
		for _, u := range ranks {
			var uf expression.ConditionBuilder
			if u == "" {
				uf = expression.Not(inStrings("urgency", known))
			} else {
				uf = expression.Name("urgency").Equal(expression.Value(string(u)))
			}
			srcs = append(srcs, source{index: "GSI2", pkName: "GSI2PK", skName: "GSI2SK", pk: "CAMPAIGN#" + q.Campaign,
				filter: and(append(slices.Clone(filters), uf)), floor: fmt.Sprintf("%d#", u.Rank())})
		}
	default:
		hideNoRegion()
		statuses := q.Statuses
		if len(statuses) == 0 {
			statuses = tip.Statuses
		}
		f := and(filters)
		for _, st := range statuses {
			srcs = append(srcs, source{index: "GSI1", pkName: "GSI1PK", skName: "GSI1SK", pk: "QUEUE#" + string(st), prefix: prefix, filter: f})
		}
	}
	return srcs
}

func regionOrEmpty(r string) string {
	if r == NoRegion {
		return ""
	}
	return r
}

func statusStrings(ss []tip.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func inStrings(name string, vals []string) expression.ConditionBuilder {
	if len(vals) == 1 {
		return expression.Name(name).Equal(expression.Value(vals[0]))
	}
	ops := make([]expression.OperandBuilder, 0, len(vals)-1)
	for _, v := range vals[1:] {
		ops = append(ops, expression.Value(v))
	}
	return expression.Name(name).In(expression.Value(vals[0]), ops...)
}

func and(cs []expression.ConditionBuilder) *expression.ConditionBuilder {
	switch len(cs) {
	case 0:
		return nil
	case 1:
		return &cs[0]
	}
	c := expression.And(cs[0], cs[1], cs[2:]...)
	return &c
}

// merger reads the sources lazily and yields their items in queue order.
type merger struct {
	s       *Store
	op      string
	srcs    []source
	states  []sourceState
	bufs    [][]tipItem
	leks    []map[string]types.AttributeValue
	fetched []bool // a page was read in this request
	queries int
	pos     string          // the queue place of the last tip taken
	start   string          // pos as the cursor gave it
	seen    map[string]bool // tips taken in this request
}

// order is an item's place in the queue: most urgent, to review first,
// then oldest, then id.
func (it tipItem) order() string {
	return it.QueuePrefix() + it.CreatedAt + "#" + it.ID
}

// ready makes sure source i has a buffered item unless it is exhausted.
func (m *merger) ready(ctx context.Context, i int) error {
	for len(m.bufs[i]) == 0 && !m.states[i].Done {
		if m.fetched[i] && m.leks[i] == nil {
			m.states[i].Done = true
			return nil
		}
		if m.queries >= maxQueries {
			return errBudget
		}
		m.queries++
		src := m.srcs[i]
		key := expression.Key(src.pkName).Equal(expression.Value(src.pk))
		// A source first read in this request starts after the cursor's
		// position, unless its filter took it further: the tips it gained
		// from other partitions before that position were listed there.
		// (Campaign sources sort by time, not by queue place: their own
		// progress is exact, as a status change does not move their keys.)
		fromPos := !m.fetched[i] && m.start != "" && src.index != "GSI2" &&
			(m.states[i].After == nil || m.states[i].After[src.skName] <= m.start)
		switch {
		case fromPos && src.prefix != "":
			// Queue places are printable, so every place after start sorts at or after start+" ".
			key = key.And(expression.Key(src.skName).Between(expression.Value(m.start+" "), expression.Value(src.prefix+"~")))
		case fromPos:
			key = key.And(expression.Key(src.skName).GreaterThan(expression.Value(m.start)))
		case src.prefix != "":
			key = key.And(expression.Key(src.skName).BeginsWith(src.prefix))
		}
		b := expression.NewBuilder().WithKeyCondition(key)
		if src.filter != nil {
			b = b.WithFilter(*src.filter)
		}
		e, err := b.Build()
		if err != nil {
			return tip.E(tip.KindInternal, m.op, err)
		}
		in := &dynamodb.QueryInput{TableName: &m.s.table, IndexName: aws.String(src.index),
			KeyConditionExpression: e.KeyCondition(), FilterExpression: e.Filter(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			Limit: aws.Int32(100)}
		switch {
		case m.fetched[i]:
			in.ExclusiveStartKey = m.leks[i]
		case m.states[i].After != nil && !fromPos:
			in.ExclusiveStartKey = stringKey(m.states[i].After)
		}
		out, err := m.s.db.Query(ctx, in)
		if err != nil {
			return classify(m.op, err)
		}
		m.fetched[i] = true
		m.leks[i] = out.LastEvaluatedKey
		if len(out.LastEvaluatedKey) == 0 {
			m.leks[i] = nil
		}
		var items []tipItem
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
			return tip.E(tip.KindInternal, m.op, err)
		}
		m.bufs[i] = items
		if len(items) == 0 && m.leks[i] != nil {
			// Everything read was filtered out: remember how far we got.
			m.states[i].After = keyStrings(m.leks[i])
		}
	}
	return nil
}

var errBudget = errors.New("query budget spent")

// next returns the next item in queue order, false when every source is
// exhausted or the page's query budget is spent.
func (m *merger) next(ctx context.Context) (tipItem, bool, error) {
	best := -1
	bestKey := ""
	// Sources are visited floor first, so a source whose floor sorts after
	// the best head so far need not be read at all.
	for i := range m.srcs {
		if m.states[i].Done {
			continue
		}
		if best >= 0 && m.srcs[i].floor != "" && m.srcs[i].floor > bestKey && len(m.bufs[i]) == 0 {
			continue
		}
		if err := m.ready(ctx, i); err != nil {
			if errors.Is(err, errBudget) {
				return tipItem{}, false, nil
			}
			return tipItem{}, false, err
		}
		if len(m.bufs[i]) == 0 {
			continue
		}
		if k := m.bufs[i][0].order(); best < 0 || k < bestKey {
			best, bestKey = i, k
		}
	}
	if best < 0 {
		return tipItem{}, false, nil
	}
	it := m.bufs[best][0]
	m.bufs[best] = m.bufs[best][1:]
	src := m.srcs[best]
	m.states[best].After = it.key(src)
	if len(m.bufs[best]) == 0 && m.fetched[best] {
		if m.leks[best] == nil {
			m.states[best].Done = true
		} else {
			m.states[best].After = keyStrings(m.leks[best])
		}
	}
	return it, true, nil
}

// key is the item's key in the source's index, usable as ExclusiveStartKey.
func (it tipItem) key(src source) map[string]string {
	k := map[string]string{"PK": it.PK, "SK": it.SK}
	switch src.index {
	case "GSI1":
		k["GSI1PK"], k["GSI1SK"] = it.GSI1PK, it.GSI1SK
	case "GSI2":
		k["GSI2PK"], k["GSI2SK"] = it.GSI2PK, it.GSI2SK
	case "GSI3":
		k["GSI3PK"], k["GSI3SK"] = it.GSI3PK, it.GSI3SK
	}
	return k
}

func keyStrings(k map[string]types.AttributeValue) map[string]string {
	out := make(map[string]string, len(k))
	for name, v := range k {
		if sv, ok := v.(*types.AttributeValueMemberS); ok {
			out[name] = sv.Value
		}
	}
	return out
}

func stringKey(m map[string]string) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = &types.AttributeValueMemberS{Value: v}
	}
	return out
}

// exhausted reports whether no source has anything left.
func (m *merger) exhausted() bool {
	for i := range m.srcs {
		if m.states[i].Done {
			continue
		}
		if len(m.bufs[i]) > 0 || !m.fetched[i] || m.leks[i] != nil {
			return false
		}
	}
	return true
}

// Fold lowers s and strips its accents, for comparisons that ignore both.
func Fold(s string) string {
	return strings.ToLower(tip.StripAccents(s))
}

// AddOutbound records a message sent to the reporter, with its audit entry,
// in one transaction. The tip itself (and its version) is left alone, so a
// reply never makes a colleague's edit stale.
//
// Errors: not found when there is no such tip, or transient.
func (s *Store) AddOutbound(ctx context.Context, tipID string, m *tip.Message, a tip.Audit) error {
	op := "store: add outbound message to tip " + tipID
	m.Direction = tip.Outbound
	a.TipID = tipID
	if a.At.IsZero() {
		a.At = m.CreatedAt
	}
	exists := expression.AttributeExists(expression.Name("PK"))
	e, _ := expression.NewBuilder().WithCondition(exists).Build()
	items := []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: tipKey(tipID),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names()}},
		condPut(s.table, toMessageItem(tipID, m), &notExists),
		s.auditPut(a, 0),
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.E(tip.KindNotFound, op, nil)
	}
	return classify(op, err)
}

// StatsQuery selects the tips received in [From, To).
type StatsQuery struct {
	From, To time.Time
	// Campaigns are the campaign partitions to read; "" stands for tips of
	// no campaign. Figures over every campaign list them all and "".
	Campaigns []string
	Region    string // empty: every region; NoRegion: tips without one
	Location  *time.Location
}

// Stats are the figures of a period.
type Stats struct {
	Total      int            `json:"total"`
	ByDay      map[string]int `json:"by_day"`
	ByRegion   map[string]int `json:"by_region"`
	ByUrgency  map[string]int `json:"by_urgency"`
	ByCategory map[string]int `json:"by_category"`
	ByStatus   map[string]int `json:"by_status"`
	ByChannel  map[string]int `json:"by_channel"`
	// Forwarded counts tips that were ever forwarded to an authority.
	Forwarded      int     `json:"forwarded"`
	ShareForwarded float64 `json:"share_forwarded"`
	// Medians in minutes from receipt; nil when no tip of the period has one.
	MedianMinutesToFirstAlert *float64 `json:"median_minutes_to_first_alert"`
	MedianMinutesToAck        *float64 `json:"median_minutes_to_acknowledgement"`
	AlertedTips               int      `json:"alerted_tips"`
	AcknowledgedTips          int      `json:"acknowledged_tips"`
}

// Stats computes the figures of the tips received in a period from Queries
// on GSI2 by time, one per campaign partition. The times to the first alert
// and to acknowledgement are those the store records on the tip when it
// first reaches status forwarded and acknowledged. Errors: transient.
func (s *Store) Stats(ctx context.Context, q StatsQuery) (Stats, error) {
	const op = "store: stats"
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	var tips []*tip.Tip
	for _, c := range q.Campaigns {
		if c == "" {
			c = "NONE"
		}
		key := expression.Key("GSI2PK").Equal(expression.Value("CAMPAIGN#" + c)).
			And(expression.Key("GSI2SK").Between(expression.Value(timeKey(q.From)), expression.Value(timeKey(q.To))))
		b := expression.NewBuilder().WithKeyCondition(key)
		if q.Region != "" {
			b = b.WithFilter(expression.Name("GSI3PK").Equal(expression.Value("REGION#" + q.Region)))
		}
		e, err := b.Build()
		if err != nil {
			return Stats{}, tip.E(tip.KindInternal, op, err)
		}
		in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI2"),
			KeyConditionExpression: e.KeyCondition(), FilterExpression: e.Filter(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}
		for {
			out, err := s.db.Query(ctx, in)
			if err != nil {
				return Stats{}, classify(op, err)
			}
			var items []tipItem
			if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
				return Stats{}, tip.E(tip.KindInternal, op, err)
			}
			for _, it := range items {
				t := it.tip()
				// BETWEEN includes To; the period is half-open.
				if t.CreatedAt.Before(q.To) {
					tips = append(tips, t)
				}
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	st := Stats{ByDay: map[string]int{}, ByRegion: map[string]int{}, ByUrgency: map[string]int{},
		ByCategory: map[string]int{}, ByStatus: map[string]int{}, ByChannel: map[string]int{}}
	var toAlert, toAck []float64
	for _, t := range tips {
		st.Total++
		st.ByDay[t.CreatedAt.In(loc).Format("2006-01-02")]++
		region := t.Region
		if region == "" {
			region = "none"
		}
		st.ByRegion[region]++
		st.ByUrgency[string(t.Urgency)]++
		st.ByCategory[t.Category]++
		st.ByStatus[string(t.Status)]++
		st.ByChannel[string(t.Channel)]++
		if !t.ForwardedAt.IsZero() {
			st.Forwarded++
			toAlert = append(toAlert, t.ForwardedAt.Sub(t.CreatedAt).Minutes())
		}
		if !t.AcknowledgedAt.IsZero() {
			toAck = append(toAck, t.AcknowledgedAt.Sub(t.CreatedAt).Minutes())
		}
	}
	if st.Total > 0 {
		st.ShareForwarded = float64(st.Forwarded) / float64(st.Total)
	}
	st.AlertedTips, st.AcknowledgedTips = len(toAlert), len(toAck)
	st.MedianMinutesToFirstAlert = median(toAlert)
	st.MedianMinutesToAck = median(toAck)
	return st, nil
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	n := len(xs)
	m := xs[n/2]
	if n%2 == 0 {
		m = (xs[n/2-1] + xs[n/2]) / 2
	}
	return &m
}
