// Package alert forwards reportable tips to the authorities: it routes a
// tip by region, category, minor and urgency to tiers of contacts (rules
// and directory are data in the table), writes one alert per contact
// exactly once, sends alerts through Twilio with retries and backoff,
// records delivery status, takes authorities' acknowledgements (OK <ref>),
// escalates unacknowledged tips tier by tier, and asks adult victims for
// consent before anyone is told.
//
// The pipeline, each step idempotent:
//
//	tip becomes reportable ──stream──▶ Dispatch: route, alerts pending, tip forwarded
//	alert pending ──────────stream──▶ SendAlert: claim, send, record SID
//	status callback ───────────────▶ StatusHandler: delivery status, monotonic
//	schedule (every minute) ───────▶ Sweep: due alerts, stuck claims, escalations,
//	                                  reportable tips never dispatched
//
// The sweep alone guarantees progress; the streams make it fast.
//
// Exactly once per contact: an alert is a conditional put of
// TIP#<id>/ALERT#<authority>#<contact>, so no replay creates a second one;
// sending claims it with a conditional update (pending → sending, with a
// lease), sends, and records the SID fenced by the claim. The one window in
// which a contact can get the same alert twice: Twilio accepted the message
// but its answer was lost (a timeout, a crash) before the SID was recorded;
// when the lease ends the sweep sends it again. Twilio's Messages API has no
// idempotency key to close that window.
package alert

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"tipline/shared/consent"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// Config is the alert pipeline's configuration.
type Config struct {
	// From is the number alerts are sent from by SMS (E.164).
	From string
	// WhatsAppFrom and WhatsAppContentSID send WhatsApp contacts an approved
	// template (variables: 1 reference, 2 urgency, 3 place, 4 campaign
	// contact). Without both, WhatsApp contacts get the alert by SMS.
	WhatsAppFrom, WhatsAppContentSID string
	// StatusCallbackURL is where Twilio posts delivery status
	// (<public base>/twilio/status); empty asks for none.
	StatusCallbackURL string
	// CampaignContact is who authorities call for follow-up, in the alert.
	CampaignContact string
	// EscalateCritical and EscalateHigh are how long an alerted tier has to
	// acknowledge a critical or high tip before the next tier is alerted.
	EscalateCritical, EscalateHigh time.Duration
	// Lease is how long a claim on an alert lasts: longer than a send can
	// take (the HTTP timeout) and than the function's timeout.
	Lease time.Duration
	// MaxAttempts bounds sends of one alert after transient failures.
	MaxAttempts int
	// Grace is how long the sweep leaves a reportable tip to the stream
	// before dispatching it itself (0: at once, for a stack without stream;
	// the functions use DefaultGrace).
	Grace time.Duration
	// Batch bounds the work one sweep takes of each kind.
	Batch int
	// CaseLink, when set, returns the link to the tip's case page that an
	// alert SMS carries (bound to the alert's contact); "" carries none.
	CaseLink func(a tip.Alert) string
}

// Defaults.
const (
	DefaultEscalateCritical = 10 * time.Minute
	DefaultEscalateHigh     = time.Hour
	DefaultLease            = 2 * time.Minute
	DefaultMaxAttempts      = 8
	DefaultGrace            = 30 * time.Second
	DefaultBatch            = 100
)

func (c Config) withDefaults() Config {
	if c.EscalateCritical <= 0 {
		c.EscalateCritical = DefaultEscalateCritical
	}
	if c.EscalateHigh <= 0 {
		c.EscalateHigh = DefaultEscalateHigh
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Grace < 0 {
		c.Grace = 0
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	return c
}

// Messenger sends one message; *twilio.Sender is the one used.
type Messenger interface {
	SendMessage(ctx context.Context, m twilio.Message) (string, error)
}

// Deps are the dispatcher's dependencies. Store, Texts, Replies and Log are
// required; Messenger only where alerts are sent; Now and Rand are for tests.
type Deps struct {
	Store     *store.Store
	Messenger Messenger
	Texts     *Texts
	Replies   *reply.Book
	Log       *slog.Logger
	Now       tip.Clock
	Rand      *rand.Rand // backoff jitter
}

// Dispatcher runs the alert pipeline. It is safe for concurrent use.
type Dispatcher struct {
	c   Config
	d   Deps
	dir directory
	// consent asks adult victims before anyone is told.
	consent *consent.Questions
	mu      sync.Mutex // guards d.Rand and lastStamp

	lastStamp time.Time
}

// New returns a dispatcher. It does no I/O.
func New(c Config, d Deps) *Dispatcher {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x7e1))
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return &Dispatcher{c: c.withDefaults(), d: d, dir: directory{store: d.Store, ttl: 30 * time.Second, now: d.Now},
		consent: consent.NewQuestions(d.Store, d.Replies, d.Log, d.Now)}
}

// escalateAfter is how long a tier has to acknowledge a tip of urgency u;
// zero for tips that do not escalate.
func (x *Dispatcher) escalateAfter(u tip.Urgency) time.Duration {
	switch u {
	case tip.Critical:
		return x.c.EscalateCritical
	case tip.High:
		return x.c.EscalateHigh
	}
	return 0
}

// backoff is the wait before attempt n+1 after n failed ones: 10 s doubling
// up to 5 minutes, with ±20 % jitter so that retries of many alerts spread.
func (x *Dispatcher) backoff(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 5*time.Minute)
	x.mu.Lock()
	j := x.d.Rand.Float64()*0.4 - 0.2
	x.mu.Unlock()
	return d + time.Duration(float64(d)*j)
}

// directory caches the authorities and rules for a short while: a change
// reaches the dispatcher within ttl.
type directory struct {
	store *store.Store
	ttl   time.Duration
	now   tip.Clock

	mu          sync.Mutex
	at          time.Time
	authorities []tip.Authority
	rules       []tip.Rule
}

func (d *directory) get(ctx context.Context) ([]tip.Authority, []tip.Rule, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if !d.at.IsZero() && now.Sub(d.at) < d.ttl && now.After(d.at.Add(-time.Second)) {
		return d.authorities, d.rules, nil
	}
	a, err := d.store.Authorities(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := d.store.Rules(ctx)
	if err != nil {
		return nil, nil, err
	}
	d.at, d.authorities, d.rules = now, a, r
	return a, r, nil
}

// Refresh drops the cached directory, so the next route reads it again.
func (x *Dispatcher) Refresh() {
	x.dir.mu.Lock()
	x.dir.at = time.Time{}
	x.dir.mu.Unlock()
}
