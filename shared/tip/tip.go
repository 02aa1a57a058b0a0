// Package tip holds the domain types of the tip line: tips, messages,
// triage decisions, statuses and error kinds. It imports nothing of ours.
package tip

import (
	"errors"
	"fmt"
	"time"
)

// Channel is how a tip reached us.
type Channel string

// Channels.
const (
	SMS      Channel = "sms"
	WhatsApp Channel = "whatsapp"
)

// Status is where a tip is in its life.
type Status string

// Statuses: new → triaged → forwarded → acknowledged → closed, or spam.
const (
	StatusNew          Status = "new"
	StatusTriaged      Status = "triaged"
	StatusForwarded    Status = "forwarded"
	StatusAcknowledged Status = "acknowledged"
	StatusClosed       Status = "closed"
	StatusSpam         Status = "spam"
)

// Statuses lists every status, in workflow order.
var Statuses = []Status{StatusNew, StatusTriaged, StatusForwarded, StatusAcknowledged, StatusClosed, StatusSpam}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Urgency is the triage level of a tip.
type Urgency string

// Urgencies, most urgent first.
const (
	Critical Urgency = "critical"
	High     Urgency = "high"
	Medium   Urgency = "medium"
	Low      Urgency = "low"
)

// Rank orders urgencies: 1 for critical up to 4 for low, 5 for anything unknown.
// Sorting by rank ascending puts the most urgent first.
func (u Urgency) Rank() int {
	switch u {
	case Critical:
		return 1
	case High:
		return 2
	case Medium:
		return 3
	case Low:
		return 4
	}
	return 5
}

// QueuePrefix is the start of a tip's place in a staff queue: its urgency
// rank, then "!" for a tip staff must review first (nothing explained its
// text, or a reportable decision taken with low confidence), which sorts
// before the dates of the other tips of that urgency. It keeps the
// "<rank>#" prefix that urgency filters read.
func (t Triage) QueuePrefix() string {
	if t.Review {
		return fmt.Sprintf("%d#!", t.Urgency.Rank())
	}
	return fmt.Sprintf("%d#", t.Urgency.Rank())
}

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return u.Rank() < 5 }

// Reportable reports whether tips of this urgency go to the authorities
// without waiting for a person: exactly critical and high.
func (u Urgency) Reportable() bool { return u == Critical || u == High }

// Max returns the more urgent of a and b.
func Max(a, b Urgency) Urgency {
	if b.Rank() < a.Rank() {
		return b
	}
	return a
}

// Categories of exploitation (see the triage contract).
const (
	CategorySexual  = "sexual"
	CategoryLabor   = "labor"
	CategoryOther   = "other"
	CategoryUnknown = "unknown"
	CategoryNone    = "none"
)

// Languages a tip can be written in.
const (
	LangSpanish = "es"
	LangEnglish = "en"
	LangQuechua = "qu"
	LangAymara  = "ay"
	LangMixed   = "mixed"
)

// Triage is the decision of the triage engine about a tip's text.
type Triage struct {
	Urgency         Urgency  `json:"urgency" dynamodbav:"urgency"`
	Category        string   `json:"category" dynamodbav:"category"`
	Minor           bool     `json:"minor" dynamodbav:"minor"`
	ImmediateDanger bool     `json:"immediate_danger" dynamodbav:"immediate_danger"`
	Region          string   `json:"region" dynamodbav:"region"`
	Place           string   `json:"place" dynamodbav:"place"`
	Reportable      bool     `json:"reportable" dynamodbav:"reportable"`
	Language        string   `json:"language" dynamodbav:"language"`
	Indicators      []string `json:"indicators" dynamodbav:"indicators"`
	Reasons         []string `json:"reasons" dynamodbav:"reasons"`
	// Emergency is danger now to anyone, trafficking or not (family
	// violence under way, a child hit now, people hurt): the reply gives
	// the emergency numbers first, whatever the urgency.
	Emergency bool `json:"emergency" dynamodbav:"emergency,omitempty"`
	// FamilyViolence says the text is violence by a partner or a relative:
	// the reply adds the family-violence line (Línea 100).
	FamilyViolence bool `json:"family_violence" dynamodbav:"family_violence,omitempty"`
	// Confidence is how sure the engine is of its urgency, 0 to 1.
	Confidence float64 `json:"confidence" dynamodbav:"confidence,omitempty"`
	// Review asks staff to read the tip before anything else of its
	// urgency: nothing explained the text, or a reportable decision was
	// taken with low confidence (it is forwarded all the same).
	Review bool `json:"review" dynamodbav:"review,omitempty"`
}

// Tip is one report: a conversation of one or more inbound messages from one
// reporter, with its triage and workflow state.
type Tip struct {
	ID          string  `json:"id"`
	Ref         string  `json:"ref"`
	Channel     Channel `json:"channel"`
	Status      Status  `json:"status"`
	CampaignID  string  `json:"campaign_id"`
	MaterialID  string  `json:"material_id"`
	To          string  `json:"-"` // our number the reporter wrote to
	ReporterKey string  `json:"-"`
	Contact     []byte  `json:"-"` // sealed reporter address; empty in anonymous mode
	Text        string  `json:"text"`
	Triage              // urgency, category, …
	Assignee    string  `json:"assignee"`
	// Corrected names the triage fields staff set by hand (urgency,
	// category, minor, region, place); re-triage of later messages keeps them.
	Corrected    []string  `json:"corrected,omitempty"`
	MessageCount int       `json:"message_count"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	LastInbound  time.Time `json:"last_inbound_at"`
	// ForwardedAt and AcknowledgedAt are set once, by the store, when the
	// tip first reaches status forwarded and acknowledged.
	ForwardedAt    time.Time `json:"forwarded_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	Version        int       `json:"version"`
}

// Direction of a message.
const (
	Inbound  = "in"
	Outbound = "out"
)

// Media is a reference to a media item held by Twilio.
type Media struct {
	URL         string `json:"url" dynamodbav:"url"`
	ContentType string `json:"content_type" dynamodbav:"content_type"`
}

// Location is a place shared from WhatsApp.
type Location struct {
	Latitude  float64 `json:"latitude" dynamodbav:"latitude"`
	Longitude float64 `json:"longitude" dynamodbav:"longitude"`
	Address   string  `json:"address,omitempty" dynamodbav:"address,omitempty"`
	Label     string  `json:"label,omitempty" dynamodbav:"label,omitempty"`
}

// Message is one inbound or outbound message of a tip.
type Message struct {
	TipID     string    `json:"-"`
	SID       string    `json:"sid"`
	Direction string    `json:"direction"`
	Body      string    `json:"body"`
	Media     []Media   `json:"media,omitempty"`
	Location  *Location `json:"location,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Kind classifies errors so that edges can map them to answers.
type Kind int

// Error kinds.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
	KindTransient
)

func (k Kind) String() string {
	return [...]string{"internal", "invalid", "not found", "conflict", "forbidden", "transient"}[k]
}

// Error is an error with a kind. Op names where it happened; Err holds detail.
type Error struct {
	Kind Kind
	Op   string
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s: %s", e.Op, e.Kind)
	}
	return fmt.Sprintf("%s: %s: %v", e.Op, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error.
func E(kind Kind, op string, err error) error { return &Error{Kind: kind, Op: op, Err: err} }

// Errorf builds an *Error with a formatted detail.
func Errorf(kind Kind, op, format string, args ...any) error {
	return &Error{Kind: kind, Op: op, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Audit is one entry of a tip's audit trail: who did what, when. Entries
// are written once and never changed.
type Audit struct {
	TipID  string            `json:"-"`
	At     time.Time         `json:"at"`
	Actor  string            `json:"actor"`  // "system", "staff:<sub>", "authority:<id>"
	Action string            `json:"action"` // e.g. "read", "update", "route", "alert.sent", "acknowledged"
	Detail map[string]string `json:"detail,omitempty"`
}
