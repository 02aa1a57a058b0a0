package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// dedupeTTL is how long a MessageSid is remembered. Twilio retries within
// seconds; a week also covers a fallback URL replayed by hand.
const dedupeTTL = 7 * 24 * time.Hour

type tipItem struct {
	PK, SK         string
	GSI1PK, GSI1SK string
	GSI2PK, GSI2SK string
	GSI3PK, GSI3SK string
	Type           string      `dynamodbav:"type"`
	ID             string      `dynamodbav:"id"`
	Ref            string      `dynamodbav:"ref"`
	Channel        tip.Channel `dynamodbav:"channel"`
	Status         tip.Status  `dynamodbav:"status"`
	CampaignID     string      `dynamodbav:"campaign_id,omitempty"`
	MaterialID     string      `dynamodbav:"material_id,omitempty"`
	To             string      `dynamodbav:"to,omitempty"`
	ReporterKey    string      `dynamodbav:"reporter_key"`
	Contact        []byte      `dynamodbav:"contact,omitempty"`
	Text           string      `dynamodbav:"text"`
	tip.Triage
	Assignee     string   `dynamodbav:"assignee,omitempty"`
	Corrected    []string `dynamodbav:"corrected,omitempty"`
	MessageCount int      `dynamodbav:"message_count"`
	CreatedAt    string   `dynamodbav:"created_at"`
	UpdatedAt    string   `dynamodbav:"updated_at"`
	LastInbound  string   `dynamodbav:"last_inbound_at"`
	Forwarded    string   `dynamodbav:"forwarded_at,omitempty"`
	Acknowledged string   `dynamodbav:"acknowledged_at,omitempty"`
	Version      int      `dynamodbav:"version"`
	ChainHead    string   `dynamodbav:"chain_head,omitempty"`
}

func tipKey(id string) map[string]types.AttributeValue { return key("TIP#"+id, "TIP") }

// queueSK orders a work queue: most urgent first, tips to review first
// within an urgency, then oldest first.
func queueSK(t *tip.Tip) string {
	return t.QueuePrefix() + timeKey(t.CreatedAt) + "#" + t.ID
}

func toTipItem(t *tip.Tip) tipItem {
	region := t.Region
	if region == "" {
		region = tip.NoRegion
	}
	campaign := t.CampaignID
	if campaign == "" {
		campaign = "NONE"
	}
	return tipItem{
		PK: "TIP#" + t.ID, SK: "TIP",
		GSI1PK: "QUEUE#" + string(t.Status), GSI1SK: queueSK(t),
		GSI2PK: "CAMPAIGN#" + campaign, GSI2SK: timeKey(t.CreatedAt) + "#" + t.ID,
		GSI3PK: "REGION#" + region, GSI3SK: queueSK(t),
		Type: "tip", ID: t.ID, Ref: t.Ref, Channel: t.Channel, Status: t.Status,
		CampaignID: t.CampaignID, MaterialID: t.MaterialID, To: t.To,
		ReporterKey: t.ReporterKey, Contact: t.Contact, Text: t.Text, Triage: t.Triage,
		Assignee: t.Assignee, Corrected: t.Corrected, MessageCount: t.MessageCount,
		CreatedAt: timeKey(t.CreatedAt), UpdatedAt: timeKey(t.UpdatedAt), LastInbound: timeKey(t.LastInbound),
		Forwarded: optTimeKey(t.ForwardedAt), Acknowledged: optTimeKey(t.AcknowledgedAt),
		Version: t.Version, ChainHead: t.ChainHead,
	}
}

func optTimeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return timeKey(t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func (it tipItem) tip() *tip.Tip {
	return &tip.Tip{
		ID: it.ID, Ref: it.Ref, Channel: it.Channel, Status: it.Status,
		CampaignID: it.CampaignID, MaterialID: it.MaterialID, To: it.To,
		ReporterKey: it.ReporterKey, Contact: it.Contact, Text: it.Text, Triage: it.Triage,
		Assignee: it.Assignee, Corrected: it.Corrected, MessageCount: it.MessageCount,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), LastInbound: parseTime(it.LastInbound),
		ForwardedAt: parseTime(it.Forwarded), AcknowledgedAt: parseTime(it.Acknowledged),
		Version: it.Version, ChainHead: it.ChainHead,
	}
}

// UnmarshalTip decodes a tip item, as read from the table or a stream image.
// The item's type is checked before anything else is decoded, so an item of
// another type is kind invalid, never a decoding failure of fields it does
// not share with a tip.
func UnmarshalTip(item map[string]types.AttributeValue) (*tip.Tip, error) {
	if t := itemType(item); t != "tip" {
		return nil, tip.Errorf(tip.KindInvalid, "store: decode tip", "item of type %q", t)
	}
	var it tipItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, tip.E(tip.KindInternal, "store: decode tip", err)
	}
	return it.tip(), nil
}

// itemType is an item's type attribute ("" when it has none or it is not a string).
func itemType(item map[string]types.AttributeValue) string {
	if v, ok := item["type"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

type messageItem struct {
	PK, SK    string
	Type      string        `dynamodbav:"type"`
	TipID     string        `dynamodbav:"tip_id"`
	SID       string        `dynamodbav:"sid"`
	Direction string        `dynamodbav:"direction"`
	Body      string        `dynamodbav:"body"`
	Media     []tip.Media   `dynamodbav:"media,omitempty"`
	Location  *tip.Location `dynamodbav:"location,omitempty"`
	CreatedAt string        `dynamodbav:"created_at"`
	PrevHash  string        `dynamodbav:"prev_hash,omitempty"`
	Hash      string        `dynamodbav:"hash,omitempty"`
}

func messageSK(m *tip.Message) string { return "MSG#" + timeKey(m.CreatedAt) + "#" + m.SID }

type dedupeItem struct {
	PK, SK    string
	Type      string `dynamodbav:"type"`
	TipID     string `dynamodbav:"tip_id,omitempty"`
	Reply     string `dynamodbav:"reply"`
	CreatedAt string `dynamodbav:"created_at"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

type conversationItem struct {
	PK, SK    string
	Type      string `dynamodbav:"type"`
	TipID     string `dynamodbav:"tip_id"`
	Ref       string `dynamodbav:"ref"`
	OpenUntil int64  `dynamodbav:"open_until"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	// BurstStart and BurstCount count the reporter's messages since the
	// start of the flood guard's current window (unix seconds).
	BurstStart int64 `dynamodbav:"burst_start,omitempty"`
	BurstCount int   `dynamodbav:"burst_count,omitempty"`
}

func (c conversationItem) conversation(until time.Time) *Conversation {
	return &Conversation{TipID: c.TipID, Ref: c.Ref, OpenUntil: until, Burst: Burst{Start: time.Unix(c.BurstStart, 0), Count: c.BurstCount}}
}

// Conversation is a reporter's open conversation.
type Conversation struct {
	TipID     string
	Ref       string
	OpenUntil time.Time
	Burst     Burst // the reporter's recent messages, for the flood guard
}

// Burst counts a reporter's messages from Start: the flood guard's window.
type Burst struct {
	Start time.Time
	Count int
}

// Next is the burst after one more message at now, with windows of length
// window: the count goes on within the window and starts again after it.
func (b Burst) Next(now time.Time, window time.Duration) Burst {
	if b.Count == 0 || now.Sub(b.Start) >= window || now.Before(b.Start) {
		return Burst{Start: now, Count: 1}
	}
	return Burst{Start: b.Start, Count: b.Count + 1}
}

func reporterKey(reporter, sk string) map[string]types.AttributeValue {
	return key("REPORTER#"+reporter, sk)
}

func dedupeKey(sid string) map[string]types.AttributeValue { return key("MSGSID#"+sid, "MSGSID") }

func mustMarshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		// Only our own record types reach here; a failure is a programming error.
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return m
}

var notExists = expression.AttributeNotExists(expression.Name("PK"))

func condPut(table string, item any, cond *expression.ConditionBuilder) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(table), Item: mustMarshal(item)}
	if cond != nil {
		e, _ := expression.NewBuilder().WithCondition(*cond).Build()
		p.ConditionExpression = e.Condition()
		p.ExpressionAttributeNames = e.Names()
		p.ExpressionAttributeValues = e.Values()
	}
	return types.TransactWriteItem{Put: p}
}

// Replay returns the reply stored for a MessageSid, or a not-found error.
func (s *Store) Replay(ctx context.Context, sid string) (string, error) {
	const op = "store: replay message"
	var d dedupeItem
	if err := s.getItem(ctx, op, dedupeKey(sid), &d); err != nil {
		return "", err
	}
	return d.Reply, nil
}

// OpenConversation returns the reporter's open conversation, or a not-found
// error when none is open at the store's current time.
func (s *Store) OpenConversation(ctx context.Context, reporter string) (Conversation, error) {
	const op = "store: open conversation"
	var c conversationItem
	if err := s.getItem(ctx, op, reporterKey(reporter, "OPEN"), &c); err != nil {
		return Conversation{}, err
	}
	until := time.Unix(c.OpenUntil, 0)
	if !s.now().Before(until) {
		return Conversation{}, tip.E(tip.KindNotFound, op, errors.New("conversation closed"))
	}
	return *c.conversation(until), nil
}

// NewTip is what the first message of a conversation writes.
type NewTip struct {
	Tip     *tip.Tip
	Message *tip.Message
	Reply   string        // the answer, kept for replays of the same MessageSid
	Window  time.Duration // how long follow-ups join this tip; 0 opens no conversation
}

// CreateTip writes a new tip, its reference, its first message, the
// MessageSid dedupe record and the reporter's open conversation in one
// transaction: all of them or none. The tip keeps its text bounded
// (BoundText); the message keeps the whole body.
//
// Errors: ErrDuplicate when the MessageSid is already stored, ErrConversationOpen
// when the reporter has an open conversation, ErrRefTaken when the reference
// code is in use (all of kind conflict), ErrTooLarge (kind invalid), or a
// transient error.
func (s *Store) CreateTip(ctx context.Context, n NewTip) error {
	_, _, err := s.createTip(ctx, n, false, "")
	return err
}

// CreateFirst is CreateTip for a caller that has read nothing first: the
// transaction also checks that the reporter has not opted out and that
// phone, the sender's number, is no authority's, so a first message costs
// one round trip. When a condition fails, it returns what the transaction
// found with found true when that is all a Lookup would tell: a replay
// (the MessageSid's stored reply), or an open conversation with the
// opt-out and authority checks passed.
//
// Errors: those of CreateTip, and ErrNeedsLookup (kind conflict) when the
// reporter opted out or the number is an authority's.
func (s *Store) CreateFirst(ctx context.Context, n NewTip, phone string) (l Lookup, found bool, err error) {
	return s.createTip(ctx, n, true, phone)
}

func (s *Store) createTip(ctx context.Context, n NewTip, unread bool, phone string) (Lookup, bool, error) {
	op := "store: create tip"
	t, m := n.Tip, n.Message
	t.Text = BoundText(t.Text)
	now := s.now()
	chain("", t.ID, m)
	t.ChainHead = m.Hash
	dedupe := condPut(s.table, dedupeItem{
		PK: "MSGSID#" + m.SID, SK: "MSGSID", Type: "dedupe", TipID: t.ID, Reply: n.Reply,
		CreatedAt: timeKey(now), ExpiresAt: now.Add(dedupeTTL).Unix(),
	}, &notExists)
	dedupe.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	items := []types.TransactWriteItem{dedupe}
	const dedupeAt, refAt = 0, 1
	items = append(items,
		condPut(s.table, struct {
			PK, SK string
			Type   string `dynamodbav:"type"`
			TipID  string `dynamodbav:"tip_id"`
		}{"REF#" + t.Ref, "REF", "ref", t.ID}, &notExists),
		condPut(s.table, toTipItem(t), &notExists),
		condPut(s.table, toMessageItem(t.ID, m), &notExists),
	)
	// The checks come before the conversation: an engine that stops at the
	// first failed condition (the embedded one) has then evaluated them
	// when the conversation's fails, as DynamoDB evaluates every one.
	var checks []int
	if unread {
		notOptedOut := notExists.Or(expression.Name("opted_out").Equal(expression.Value(false)))
		checks = append(checks, len(items))
		items = append(items, conditionCheck(s.table, reporterKey(t.ReporterKey, "OPTOUT"), notOptedOut))
		if phone != "" {
			checks = append(checks, len(items))
			items = append(items, conditionCheck(s.table, phoneKey(phone), notExists))
		}
	}
	convAt := -1
	if n.Window > 0 {
		until := m.CreatedAt.Add(n.Window)
		closed := notExists.Or(expression.Name("open_until").LessThanEqual(expression.Value(now.Unix())))
		convAt = len(items)
		conv := condPut(s.table, conversationItem{
			PK: "REPORTER#" + t.ReporterKey, SK: "OPEN", Type: "conversation", TipID: t.ID, Ref: t.Ref,
			OpenUntil: until.Unix(), ExpiresAt: until.Add(24 * time.Hour).Unix(),
			BurstStart: m.CreatedAt.Unix(), BurstCount: 1,
		}, &closed)
		conv.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		items = append(items, conv)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var l Lookup
	switch {
	case err == nil:
		return l, false, nil
	case cancelledAt(err, dedupeAt):
		var d dedupeItem
		found := unmarshalOld(err, dedupeAt, &d)
		l.Replayed, l.Reply = found, d.Reply
		return l, found, tip.E(tip.KindConflict, op, ErrDuplicate)
	case slices.ContainsFunc(checks, func(i int) bool { return cancelledAt(err, i) }):
		return l, false, tip.E(tip.KindConflict, op, ErrNeedsLookup)
	case convAt >= 0 && cancelledAt(err, convAt):
		var c conversationItem
		found := unread && unmarshalOld(err, convAt, &c)
		if found {
			l.Conversation = c.conversation(time.Unix(c.OpenUntil, 0))
			l.PhoneChecked = phone != ""
		}
		return l, found, tip.E(tip.KindConflict, op, ErrConversationOpen)
	case cancelledAt(err, refAt):
		return l, false, tip.E(tip.KindConflict, op, ErrRefTaken)
	}
	return l, false, classify(op, err)
}

// unmarshalOld decodes into out the item a cancelled transaction's action
// i found (ReturnValuesOnConditionCheckFailure ALL_OLD), reporting whether
// there was one.
func unmarshalOld(err error, i int, out any) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || i >= len(tce.CancellationReasons) || len(tce.CancellationReasons[i].Item) == 0 {
		return false
	}
	return attributevalue.UnmarshalMap(tce.CancellationReasons[i].Item, out) == nil
}

// conditionCheck is a transaction action that writes nothing and cancels
// the transaction unless cond holds on the item at key.
func conditionCheck(table string, key map[string]types.AttributeValue, cond expression.ConditionBuilder) types.TransactWriteItem {
	e, _ := expression.NewBuilder().WithCondition(cond).Build()
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key,
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}}
}

// MaxText bounds the text a tip item keeps, in bytes of UTF-8: enough for
// triage and the queue's display, far below DynamoDB's 400 KB item limit
// whatever a conversation's length. The whole conversation stays in its
// message items.
const MaxText = 16 << 10

// textCut marks where BoundText left text out.
const textCut = "\n[…]\n"

// BoundText returns text when it fits MaxText; otherwise its beginning (the
// first report, a quarter of the room) and its end (the latest messages),
// cut on character boundaries, with textCut between. Bounding a bounded
// text with more appended keeps the same beginning.
func BoundText(text string) string {
	if len(text) <= MaxText {
		return text
	}
	head := MaxText / 4
	for head > 0 && !utf8.RuneStart(text[head]) {
		head--
	}
	tail := len(text) - (MaxText - head - len(textCut))
	for tail < len(text) && !utf8.RuneStart(text[tail]) {
		tail++
	}
	return text[:head] + textCut + text[tail:]
}

func toMessageItem(tipID string, m *tip.Message) messageItem {
	return messageItem{
		PK: "TIP#" + tipID, SK: messageSK(m), Type: "message", TipID: tipID, SID: m.SID,
		Direction: m.Direction, Body: m.Body, Media: m.Media, Location: m.Location,
		CreatedAt: timeKey(m.CreatedAt), PrevHash: m.PrevHash, Hash: m.Hash,
	}
}

// chain sets m's hashes after prev, the tip's chain head. The time is the
// stored one (timeKey's precision), so the hash can be computed again from
// the item.
func chain(prev, tipID string, m *tip.Message) {
	m.CreatedAt = parseTime(timeKey(m.CreatedAt))
	m.PrevHash = prev
	m.Hash = tip.ChainHash(prev, tipID, *m)
}

// chainIs is the condition that the tip's chain head is still head.
func chainIs(head string) expression.ConditionBuilder {
	if head == "" {
		return expression.AttributeNotExists(expression.Name("chain_head"))
	}
	return expression.Name("chain_head").Equal(expression.Value(head))
}

// FollowUp is what a later message of an open conversation writes.
type FollowUp struct {
	Tip     *tip.Tip // the tip as read, with Version the version read
	Text    string   // the tip's new whole inbound text
	Triage  tip.Triage
	Message *tip.Message
	Reply   string
	Window  time.Duration
	Burst   Burst // the reporter's burst with this message (flood guard)
}

// AppendMessage adds a follow-up message to a tip, re-triaged, in one
// transaction with its dedupe record, and extends the open conversation.
// The tip is updated only if its version is still the one read. The tip
// keeps its text bounded (BoundText): messages are items of their own.
//
// Errors: ErrDuplicate, ErrStale, ErrConversationOpen (another tip's
// conversation is open now; all of kind conflict), ErrTooLarge (kind
// invalid: the tip item would pass 400 KB; append again with the tip's
// text and triage unchanged), or transient.
func (s *Store) AppendMessage(ctx context.Context, f FollowUp) error {
	const op = "store: append message"
	t, m := f.Tip, f.Message
	f.Text = BoundText(f.Text)
	now := s.now()
	if f.Burst.Count == 0 {
		f.Burst = Burst{Start: m.CreatedAt, Count: 1}
	}
	updated := *t
	updated.Triage = f.Triage
	updated.Text = f.Text
	chain(t.ChainHead, t.ID, m)
	upd := expression.Set(expression.Name("text"), expression.Value(f.Text)).
		Set(expression.Name("chain_head"), expression.Value(m.Hash)).
		Set(expression.Name("message_count"), expression.Name("message_count").Plus(expression.Value(1))).
		Set(expression.Name("version"), expression.Value(t.Version+1)).
		Set(expression.Name("updated_at"), expression.Value(timeKey(now))).
		Set(expression.Name("last_inbound_at"), expression.Value(timeKey(m.CreatedAt))).
		Set(expression.Name("GSI1SK"), expression.Value(queueSK(&updated))).
		Set(expression.Name("GSI3SK"), expression.Value(queueSK(&updated)))
	region := f.Triage.Region
	if region == "" {
		region = tip.NoRegion
	}
	upd = upd.Set(expression.Name("GSI3PK"), expression.Value("REGION#"+region))
	for name, v := range triageValues(f.Triage) {
		upd = upd.Set(expression.Name(name), expression.Value(v))
	}
	// The chain head too: a staff reply stored meanwhile moved it.
	cond := expression.Name("version").Equal(expression.Value(t.Version)).And(chainIs(t.ChainHead))
	e, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	items := []types.TransactWriteItem{
		condPut(s.table, dedupeItem{
			PK: "MSGSID#" + m.SID, SK: "MSGSID", Type: "dedupe", TipID: t.ID, Reply: f.Reply,
			CreatedAt: timeKey(now), ExpiresAt: now.Add(dedupeTTL).Unix(),
		}, &notExists),
		{Update: &types.Update{
			TableName: &s.table, Key: tipKey(t.ID),
			UpdateExpression: e.Update(), ConditionExpression: e.Condition(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		}},
		condPut(s.table, toMessageItem(t.ID, m), &notExists),
	}
	convAt := -1
	if f.Window > 0 {
		until := m.CreatedAt.Add(f.Window)
		// Extend this tip's conversation only: if it closed and another tip
		// opened one meanwhile, the message must go there instead.
		ours := expression.Name("tip_id").Equal(expression.Value(t.ID)).
			Or(notExists).Or(expression.Name("open_until").LessThanEqual(expression.Value(now.Unix())))
		convAt = len(items)
		items = append(items, condPut(s.table, conversationItem{
			PK: "REPORTER#" + t.ReporterKey, SK: "OPEN", Type: "conversation", TipID: t.ID, Ref: t.Ref,
			OpenUntil: until.Unix(), ExpiresAt: until.Add(24 * time.Hour).Unix(),
			BurstStart: f.Burst.Start.Unix(), BurstCount: f.Burst.Count,
		}, &ours))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	switch {
	case err == nil:
		return nil
	case cancelledAt(err, 0):
		return tip.E(tip.KindConflict, op, ErrDuplicate)
	case convAt >= 0 && cancelledAt(err, convAt):
		return tip.E(tip.KindConflict, op, ErrConversationOpen)
	case cancelledAt(err, 1):
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	return classify(op, err)
}

// triageValues lists the stored attributes of a triage decision.
func triageValues(t tip.Triage) map[string]any {
	m := map[string]any{
		"urgency": t.Urgency, "category": t.Category, "minor": t.Minor,
		"immediate_danger": t.ImmediateDanger, "region": t.Region, "place": t.Place,
		"reportable": t.Reportable, "language": t.Language,
		"emergency": t.Emergency, "family_violence": t.FamilyViolence, "confidence": t.Confidence, "review": t.Review,
	}
	// Empty lists are stored as NULL by the marshaller; keep them as lists.
	m["indicators"] = nonNil(t.Indicators)
	m["reasons"] = nonNil(t.Reasons)
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Tip returns the tip with id, read consistently, or a not-found error.
func (s *Store) Tip(ctx context.Context, id string) (*tip.Tip, error) {
	op := "store: get tip " + id
	var it tipItem
	if err := s.getItem(ctx, op, tipKey(id), &it); err != nil {
		return nil, err
	}
	if it.Type == "tombstone" {
		return nil, tip.E(tip.KindNotFound, op, ErrErased)
	}
	return it.tip(), nil
}

// TipByRef returns the tip with reference code ref, or a not-found error.
func (s *Store) TipByRef(ctx context.Context, ref string) (*tip.Tip, error) {
	op := "store: get tip by ref " + ref
	var r struct {
		TipID string `dynamodbav:"tip_id"`
	}
	if err := s.getItem(ctx, op, key("REF#"+ref, "REF"), &r); err != nil {
		return nil, err
	}
	return s.Tip(ctx, r.TipID)
}

// Messages returns the messages of a tip, oldest first.
func (s *Store) Messages(ctx context.Context, tipID string) ([]tip.Message, error) {
	var items []messageItem
	if err := s.queryAll(ctx, "store: messages of tip "+tipID, "TIP#"+tipID, "MSG#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Message, 0, len(items))
	for _, it := range items {
		out = append(out, tip.Message{TipID: it.TipID, SID: it.SID, Direction: it.Direction, Body: it.Body,
			Media: it.Media, Location: it.Location, CreatedAt: parseTime(it.CreatedAt), PrevHash: it.PrevHash, Hash: it.Hash})
	}
	return out, nil
}

// SetOptOut records whether a reporter refuses further messages.
func (s *Store) SetOptOut(ctx context.Context, reporter string, out bool) error {
	op := "store: set opt-out"
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: mustMarshal(struct {
		PK, SK    string
		Type      string `dynamodbav:"type"`
		OptedOut  bool   `dynamodbav:"opted_out"`
		UpdatedAt string `dynamodbav:"updated_at"`
	}{"REPORTER#" + reporter, "OPTOUT", "optout", out, timeKey(s.now())})})
	return classify(op, err)
}

// OptedOut reports whether a reporter refuses further messages.
func (s *Store) OptedOut(ctx context.Context, reporter string) (bool, error) {
	op := "store: get opt-out"
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: reporterKey(reporter, "OPTOUT"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, classify(op, err)
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	v, ok := out.Item["opted_out"].(*types.AttributeValueMemberBOOL)
	return ok && v.Value, nil
}

// batchGet reads keys (at most 100) in consistent reads, asking again for
// the keys DynamoDB leaves unprocessed, and hands each item found to fn;
// projection, when not "", is the attributes read.
func (s *Store) batchGet(ctx context.Context, op string, keys []map[string]types.AttributeValue, projection string, fn func(map[string]types.AttributeValue) error) error {
	ka := types.KeysAndAttributes{Keys: keys, ConsistentRead: aws.Bool(true)}
	if projection != "" {
		ka.ProjectionExpression = aws.String(projection)
	}
	req := map[string]types.KeysAndAttributes{s.table: ka}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 5 {
			return tip.E(tip.KindTransient, op, errors.New("keys left unprocessed"))
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return classify(op, err)
		}
		for _, item := range out.Responses[s.table] {
			if err := fn(item); err != nil {
				return err
			}
		}
		req = out.UnprocessedKeys
	}
	return nil
}

// Lookup is what the webhook needs to know before it writes a message.
type Lookup struct {
	Replayed     bool   // the MessageSid was stored before
	Reply        string // the reply then given
	Conversation *Conversation
	OptedOut     bool
	// PhoneChecked says the sender's number was looked up in the authority
	// directory; Authority is the authority contact it belongs to, if any.
	PhoneChecked bool
	Authority    *AuthorityPhone
}

// AuthorityPhone is the authority contact a phone number belongs to.
type AuthorityPhone struct {
	AuthorityID string
	Contact     int
}

// Lookup reads, in one consistent round trip, the dedupe record of sid,
// the reporter's open conversation and opt-out, and (when phone is given)
// whether the sender's number belongs to an authority.
func (s *Store) Lookup(ctx context.Context, sid, reporter, phone string) (Lookup, error) {
	const op = "store: lookup message"
	keys := []map[string]types.AttributeValue{dedupeKey(sid), reporterKey(reporter, "OPEN"), reporterKey(reporter, "OPTOUT")}
	if phone != "" {
		keys = append(keys, phoneKey(phone))
	}
	var l Lookup
	err := s.batchGet(ctx, op, keys, "", func(item map[string]types.AttributeValue) error {
		var kind struct {
			Type string `dynamodbav:"type"`
		}
		_ = attributevalue.UnmarshalMap(item, &kind)
		switch kind.Type {
		case "dedupe":
			var d dedupeItem
			if err := attributevalue.UnmarshalMap(item, &d); err != nil {
				return tip.E(tip.KindInternal, op, err)
			}
			l.Replayed, l.Reply = true, d.Reply
		case "conversation":
			var c conversationItem
			if err := attributevalue.UnmarshalMap(item, &c); err != nil {
				return tip.E(tip.KindInternal, op, err)
			}
			if until := time.Unix(c.OpenUntil, 0); s.now().Before(until) {
				l.Conversation = c.conversation(until)
			}
		case "optout":
			v, ok := item["opted_out"].(*types.AttributeValueMemberBOOL)
			l.OptedOut = ok && v.Value
		case "authphone":
			var p phoneItem
			if err := attributevalue.UnmarshalMap(item, &p); err != nil {
				return tip.E(tip.KindInternal, op, err)
			}
			l.Authority = &AuthorityPhone{AuthorityID: p.AuthorityID, Contact: p.Contact}
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.PhoneChecked = phone != ""
	return l, nil
}
