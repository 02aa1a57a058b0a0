// Package config is the tip line's one configuration: one type, read from
// the environment in Lambda (plus the secret, see shared/secret) and from
// flags in `tipline serve`, both through the one table Vars, with one
// validation that names every problem at once. The README's configuration
// table is generated from Vars (a test keeps the two equal).
//
// Each function asks for the parts it needs (Need); a variable that is set
// is always checked, a required one only when a part needs it.
package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Need is a part of the system a function runs, so that configuration asks
// for exactly what it uses. Every function needs TABLE_NAME.
type Need uint

// The parts.
const (
	Inbound   Need = 1 << iota // signed inbound webhooks: PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN
	Reporters                  // reporter hashes and sealed numbers: REPORTER_KEY_SECRET, CONTACT_KEY
	Callbacks                  // signed status callbacks: PUBLIC_BASE_URL and the Twilio account
	Sending                    // alerts sent through Twilio: the account, ALERT_FROM, PUBLIC_BASE_URL
	Staff                      // the staff API: JWT_ISSUER, the Twilio account (replies, media)
)

// What each function needs.
const (
	ReceiveMessage = Inbound | Reporters
	MessageStatus  = Callbacks
	DispatchAlerts = Need(0)
	SendAlerts     = Sending
	Escalate       = Sending
	StaffAPI       = Staff | Reporters
	// ReconcileMessages runs the webhook's intake on messages read from
	// Twilio's log (with its interceptors) and answers their reporters.
	ReconcileMessages = Inbound | Reporters | Sending
	// Serve is what `tipline serve` requires: it sends through its fake
	// Twilio's account when TWILIO_ACCOUNT_SID is empty, and takes local
	// tokens instead of JWT_ISSUER's.
	Serve = Inbound | Reporters
	// All is every part: serve runs them all in one process.
	All = Inbound | Reporters | Callbacks | Sending | Staff
)

// Defaults of the functions.
const (
	DefaultWindow = 2 * time.Hour    // CONVERSATION_WINDOW
	DefaultGrace  = 30 * time.Second // the stream's head start over the sweep
	// DefaultRetentionDays is how long closed and spam tips are kept: two years.
	DefaultRetentionDays = 730
	// The flood guard: past 20 messages in 10 minutes from one reporter.
	DefaultFloodLimit  = 20
	DefaultFloodWindow = 10 * time.Minute
	// DefaultCaseLinkTTL is CASE_LINK_TTL's default.
	DefaultCaseLinkTTL = 72 * time.Hour
)

// Config is the configuration of every function and of serve.
type Config struct {
	Table          string        // TABLE_NAME
	LogLevel       string        // LOG_LEVEL
	PublicBaseURL  string        // PUBLIC_BASE_URL, without a trailing slash
	AccountSID     string        // TWILIO_ACCOUNT_SID
	AuthToken      string        // TWILIO_AUTH_TOKEN
	TwilioAPIURL   string        // TWILIO_API_URL: another Twilio API base (tests, the local fake)
	ReporterSecret string        // REPORTER_KEY_SECRET, at least 16 bytes
	ContactKey     []byte        // CONTACT_KEY: 32 bytes; nil when Anonymous
	Anonymous      bool          // ANONYMOUS_MODE
	Window         time.Duration // CONVERSATION_WINDOW
	JWTIssuer      string        // JWT_ISSUER
	MediaHosts     []string      // MEDIA_HOSTS

	AlertFrom          string        // ALERT_FROM
	WhatsAppFrom       string        // ALERT_WHATSAPP_FROM
	WhatsAppContentSID string        // ALERT_WHATSAPP_CONTENT_SID
	CampaignContact    string        // CAMPAIGN_CONTACT
	EscalateCritical   time.Duration // ESCALATE_CRITICAL (0: the alert default)
	EscalateHigh       time.Duration // ESCALATE_HIGH (0: the alert default)
	MaxAttempts        int           // ALERT_MAX_ATTEMPTS (0: the alert default)
	CaseLinkTTL        time.Duration // CASE_LINK_TTL: how long an alert's case link works; 0: alerts carry none

	CognitoDomain   string // CONSOLE_COGNITO_DOMAIN: the console's managed login; empty: tokens only
	ConsoleClientID string // CONSOLE_CLIENT_ID: the user pool client of the console

	ReconcileNumbers []string      // RECONCILE_NUMBERS: read besides the campaigns' numbers
	ReconcileMargin  time.Duration // RECONCILE_MARGIN (0: the reconciler's default)
	ReconcileSettle  time.Duration // RECONCILE_SETTLE (0: the reconciler's default)
	// Retention is how long closed and spam tips are kept before the
	// table's TTL deletes them (RETENTION_DAYS; 0: for ever).
	Retention time.Duration
	// FloodLimit messages from one reporter within FloodWindow are answered
	// and triaged; past it they are only stored (FLOOD_LIMIT, 0: no guard;
	// FLOOD_WINDOW).
	FloodLimit  int
	FloodWindow time.Duration
	// EvidenceKey is the 32-byte Ed25519 seed signing evidence bundles
	// (EVIDENCE_KEY); nil: a key derived from REPORTER_KEY_SECRET.
	EvidenceKey []byte

	// Not read from the environment: serve sets them.
	Grace time.Duration // the sweep's wait for the stream (DefaultGrace; 0 without a stream)
	Lease time.Duration // claim on an alert (0: the alert default)
	// PassBudget bounds a sweep pass's backlog work (0: the alert default).
	PassBudget time.Duration

	Local Local // serve's own flags
}

// Local is what only `tipline serve` takes.
type Local struct {
	Addr             string // -addr
	DynamoDBEndpoint string // DYNAMODB_ENDPOINT, -dynamodb-endpoint; empty: the embedded engine
	// DynamoDBConflicts (-dynamodb-conflicts) applies DynamoDB's transaction
	// conflict rules, which DynamoDB Local and the embedded engine lack.
	DynamoDBConflicts bool
	SweepEvery        time.Duration // -sweep-every
	NoSeed            bool          // -no-seed
	StaffTokenKey     string        // -staff-token-key
	FallbackURL       string        // -twilio-fallback-url: the fake's fallback for inbound messages
	ReconcileEvery    time.Duration // -reconcile-every; 0: off
	DeadLetters       string        // -dead-letters: where the stream records the consumers fail are kept
	DataDir           string        // -data: the embedded engine's journal and the fake Twilio's media
	Ephemeral         bool          // -ephemeral: the embedded engine in memory only
}

// StatusCallbackURL is where Twilio posts delivery status of alerts
// ("" without a public base URL).
func (c Config) StatusCallbackURL() string {
	if c.PublicBaseURL == "" {
		return ""
	}
	return c.PublicBaseURL + "/twilio/status"
}

// Default is the configuration before any variable is read.
func Default() Config {
	return Config{Window: DefaultWindow, Grace: DefaultGrace, CaseLinkTTL: DefaultCaseLinkTTL, Retention: DefaultRetentionDays * 24 * time.Hour,
		FloodLimit: DefaultFloodLimit, FloodWindow: DefaultFloodWindow}
}

// FromEnv reads the configuration of a function that needs the parts in
// needs, reporting every missing or malformed variable at once.
func FromEnv(getenv func(string) string, needs Need) (Config, error) {
	c := Default()
	var errs []error
	for _, v := range Vars {
		if v.Env == "" {
			continue
		}
		if raw := getenv(v.Env); raw != "" {
			if err := v.set(&c, raw); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, c.check(needs)...)
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// Validate checks a configuration made in code (serve, tests) as FromEnv
// checks one read from the environment.
func (c Config) Validate(needs Need) error {
	if err := errors.Join(c.check(needs)...); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// check names every required part that is missing and every pair that does
// not go together; each variable's own form is checked when it is read.
func (c Config) check(needs Need) []error {
	var errs []error
	for _, v := range Vars {
		if v.Env != "" && needs&v.Required != 0 && v.empty(c) {
			errs = append(errs, fmt.Errorf("%s is not set", v.Env))
		}
	}
	if needs&(Reporters|Staff) != 0 && !c.Anonymous && len(c.ContactKey) == 0 {
		errs = append(errs, errors.New("CONTACT_KEY is not set (or set ANONYMOUS_MODE=true)"))
	}
	if (c.WhatsAppFrom == "") != (c.WhatsAppContentSID == "") {
		errs = append(errs, errors.New("ALERT_WHATSAPP_FROM and ALERT_WHATSAPP_CONTENT_SID go together"))
	}
	if (c.CognitoDomain == "") != (c.ConsoleClientID == "") {
		errs = append(errs, errors.New("CONSOLE_COGNITO_DOMAIN and CONSOLE_CLIENT_ID go together"))
	}
	if c.Window <= 0 {
		errs = append(errs, errors.New("CONVERSATION_WINDOW must be positive"))
	}
	return errs
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
