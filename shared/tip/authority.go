package tip

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Contact is one way to reach an authority. Tier orders the contacts of an
// authority: tier 1 (a duty phone) is alerted first, tier 2 (the head of the
// unit) when the tip is escalated, and so on.
type Contact struct {
	Channel Channel `json:"channel" dynamodbav:"channel"` // sms or whatsapp
	Address string  `json:"address" dynamodbav:"address"` // E.164, without a whatsapp: prefix
	Tier    int     `json:"tier" dynamodbav:"tier"`
}

// Authority is an institution that receives alerts: a specialised
// prosecutor (FISTRAP), a police trafficking unit, a child-protection unit.
// Its contacts' addresses are personal data of officials: never log them.
type Authority struct {
	ID          string    `json:"id" dynamodbav:"id"`
	Name        string    `json:"name" dynamodbav:"name"`
	Institution string    `json:"institution" dynamodbav:"institution"`
	Regions     []string  `json:"regions" dynamodbav:"regions"`
	Contacts    []Contact `json:"contacts" dynamodbav:"contacts"`
	Active      bool      `json:"active" dynamodbav:"active"`
}

var authorityID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidID reports whether s can name an authority or a rule: lower-case
// letters, digits and dashes, at most 63 characters.
func ValidID(s string) bool { return authorityID.MatchString(s) }

// Validate checks an authority. Errors are of kind invalid.
func (a Authority) Validate() error {
	const op = "authority: validate"
	var errs []error
	if !ValidID(a.ID) {
		errs = append(errs, fmt.Errorf("id %q must be lower-case letters, digits and dashes", a.ID))
	}
	if a.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	seen := map[string]bool{}
	for i, c := range a.Contacts {
		if c.Channel != SMS && c.Channel != WhatsApp {
			errs = append(errs, fmt.Errorf("contact %d: channel %q is not sms or whatsapp", i, c.Channel))
		}
		if !ValidE164(c.Address) {
			errs = append(errs, fmt.Errorf("contact %d: address is not an E.164 number", i))
		}
		if c.Tier < 1 || c.Tier > 9 {
			errs = append(errs, fmt.Errorf("contact %d: tier %d is not between 1 and 9", i, c.Tier))
		}
		if seen[string(c.Channel)+c.Address] {
			errs = append(errs, fmt.Errorf("contact %d: listed twice", i))
		}
		seen[string(c.Channel)+c.Address] = true
	}
	if err := errors.Join(errs...); err != nil {
		return E(KindInvalid, op, err)
	}
	return nil
}

// ValidE164 reports whether s is a phone number in E.164 form (+ and 7 to
// 15 digits, no leading zero).
func ValidE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Region values of routing rules that are not ISO codes.
const (
	AnyRegion = "*"    // a fallback: matches when no rule names the tip's region
	NoRegion  = "NONE" // tips whose region triage could not place
)

// Rule routes reportable tips to authorities. A rule matches a tip when
// every non-empty filter matches; Tiers lists authority ids, first tier
// first. The route of a tip is the union of the matching rules, an
// authority keeping its lowest tier.
type Rule struct {
	ID          string     `json:"id" dynamodbav:"id"`
	Description string     `json:"description,omitempty" dynamodbav:"description,omitempty"`
	Regions     []string   `json:"regions" dynamodbav:"regions"`                 // ISO 3166-2:PE codes, NoRegion or AnyRegion
	Categories  []string   `json:"categories,omitempty" dynamodbav:"categories"` // empty: any
	Minor       *bool      `json:"minor,omitempty" dynamodbav:"minor"`           // nil: either
	Urgencies   []Urgency  `json:"urgencies,omitempty" dynamodbav:"urgencies"`   // empty: any reportable
	Tiers       [][]string `json:"tiers" dynamodbav:"tiers"`
}

// Validate checks a rule. Errors are of kind invalid.
func (r Rule) Validate() error {
	const op = "rule: validate"
	var errs []error
	if !ValidID(r.ID) {
		errs = append(errs, fmt.Errorf("id %q must be lower-case letters, digits and dashes", r.ID))
	}
	if len(r.Regions) == 0 {
		errs = append(errs, errors.New("regions is empty (use \"*\" for a fallback)"))
	}
	if len(r.Tiers) == 0 {
		errs = append(errs, errors.New("tiers is empty"))
	}
	for i, tier := range r.Tiers {
		if len(tier) == 0 {
			errs = append(errs, fmt.Errorf("tier %d is empty", i+1))
		}
		for _, id := range tier {
			if !ValidID(id) {
				errs = append(errs, fmt.Errorf("tier %d: authority id %q is not valid", i+1, id))
			}
		}
	}
	for _, u := range r.Urgencies {
		if !u.Reportable() {
			errs = append(errs, fmt.Errorf("urgency %q is not reportable", u))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return E(KindInvalid, op, err)
	}
	return nil
}

// AlertStatus is where an alert is in its sending.
type AlertStatus string

// Alert statuses: pending → sending → sent, or failed (permanently, after
// which the next contact is tried) or cancelled (the tip was acknowledged
// before it went out). A sending alert whose claim expired is pending again.
const (
	AlertPending   AlertStatus = "pending"
	AlertSending   AlertStatus = "sending"
	AlertSent      AlertStatus = "sent"
	AlertFailed    AlertStatus = "failed"
	AlertCancelled AlertStatus = "cancelled"
)

// Alert is one message to one contact of one authority about one tip. There
// is at most one per (tip, authority, contact): the store refuses a second.
type Alert struct {
	TipID         string      `json:"tip_id"`
	AuthorityID   string      `json:"authority_id"`
	Contact       int         `json:"contact"` // index in the authority's contacts
	Channel       Channel     `json:"channel"`
	Address       string      `json:"-"` // the authority's number: never log it
	Tier          int         `json:"tier"`
	Status        AlertStatus `json:"status"`
	Delivery      string      `json:"delivery,omitempty"` // Twilio's message status, never going back
	SID           string      `json:"sid,omitempty"`
	Attempts      int         `json:"attempts"`
	ErrorCode     int         `json:"error_code,omitempty"`
	Actor         string      `json:"actor"` // "system" or "staff:<sub>" for manual forwards
	NextAttemptAt time.Time   `json:"next_attempt_at"`
	ClaimUntil    time.Time   `json:"claim_until,omitzero"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// Key names an alert: "<tip id>/<authority id>/<contact>".
func (a Alert) Key() AlertKey {
	return AlertKey{TipID: a.TipID, AuthorityID: a.AuthorityID, Contact: a.Contact}
}

// AlertKey identifies an alert.
type AlertKey struct {
	TipID       string
	AuthorityID string
	Contact     int
}

func (k AlertKey) String() string { return fmt.Sprintf("%s/%s/%d", k.TipID, k.AuthorityID, k.Contact) }

// DeliveryRank orders Twilio's message statuses so that callbacks arriving
// out of order never move an alert backwards: queued < sending < sent <
// delivered < read, and failed or undelivered are terminal. Unknown
// statuses rank 0 and are never recorded.
func DeliveryRank(status string) int {
	switch status {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered":
		return 4
	case "read":
		return 5
	case "failed", "undelivered", "canceled":
		return 9
	}
	return 0
}

// RouteState is where a reportable tip is in being forwarded.
type RouteState string

// Route states.
const (
	RouteAwaitingConsent RouteState = "awaiting_consent" // an adult victim was asked; no answer yet
	RouteDeclined        RouteState = "declined"         // the reporter said no: staff decide
	RouteConsented       RouteState = "consented"        // the reporter said yes: route next
	RouteRouted          RouteState = "routed"           // alerts written; escalating until acknowledged
	RouteUnrouted        RouteState = "unrouted"         // no rule or no active authority matched: staff decide
	RouteAcknowledged    RouteState = "acknowledged"     // an authority confirmed: escalation stopped
	RouteExhausted       RouteState = "exhausted"        // every tier alerted, nobody confirmed
)

// Consent is what a route's reporter answered to the consent question;
// it outlives the route state it came with (a consented tip is routed, then
// acknowledged, and is never asked again).
type Consent string

// Consent answers.
const (
	ConsentNone    Consent = ""      // never asked
	ConsentAsked   Consent = "asked" // asked, no answer yet
	ConsentGiven   Consent = "yes"   // the reporter said yes
	ConsentRefused Consent = "no"    // the reporter said no
)

// Target is one contact a route may alert, at its tier.
type Target struct {
	AuthorityID string  `json:"authority_id" dynamodbav:"authority_id"`
	Contact     int     `json:"contact" dynamodbav:"contact"`
	Channel     Channel `json:"channel" dynamodbav:"channel"`
	Address     string  `json:"-" dynamodbav:"address"`
	Tier        int     `json:"tier" dynamodbav:"tier"`
}

// Route is the forwarding state of one tip: whom it goes to, which tier
// has been alerted, and when it escalates next.
type Route struct {
	TipID      string     `json:"tip_id"`
	State      RouteState `json:"state"`
	Consent    Consent    `json:"consent,omitempty"`
	Rules      []string   `json:"rules,omitempty"`
	Targets    []Target   `json:"targets"`
	Tier       int        `json:"tier"`                 // highest tier alerted
	EscalateAt time.Time  `json:"escalate_at,omitzero"` // zero: no escalation pending
	AckBy      string     `json:"ack_by,omitempty"`     // authority id
	AckAt      time.Time  `json:"ack_at,omitzero"`
	Version    int        `json:"version"` // optimistic locking; 0 for a route not yet stored
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// MaxTier is the highest tier among the route's targets.
func (r Route) MaxTier() int {
	m := 0
	for _, t := range r.Targets {
		m = max(m, t.Tier)
	}
	return m
}
