package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tipline/shared/contact"
	"tipline/shared/tip"
)

// Local defaults of serve: for a laptop only, documented in the README.
const (
	LocalAuthToken      = "tiplinelocaltoken"
	LocalReporterSecret = "local-reporter-key-secret-not-for-production"
	LocalContactKey     = "bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=" // 32 bytes, base64
	LocalAlertFrom      = "+51900000000"
	LocalCampaign       = "Equipo Tipline +51900000999"
)

// Var is one setting: its variable, its serve flag, what it means, serve's
// default, and which parts require it.
type Var struct {
	Env      string // environment variable; "" for a serve flag alone
	Flag     string // serve flag without the dash; "" when serve has none
	Meaning  string
	Local    string // serve's default when the variable is not set
	LocalDoc string // the default as the README shows it, when not Local itself
	Required Need   // the parts that need it set
	Bool     bool   // a flag without a value

	set func(c *Config, raw string) error
	get func(c Config) string // "" when unset
}

// Vars is the one table of settings.
var Vars = []Var{
	{Env: "TABLE_NAME", Flag: "table", Meaning: "DynamoDB table (created when missing in `serve`)", Local: "tipline",
		Required: ^Need(0), set: func(c *Config, s string) error { c.Table = s; return nil }, get: func(c Config) string { return c.Table }},
	{Env: "PUBLIC_BASE_URL", Flag: "public-url", Meaning: "scheme and host Twilio calls; signatures are checked against it plus the path and raw query; status callbacks go to `<base>/twilio/status`",
		LocalDoc: "`http://localhost:<port>`", Required: Inbound | Callbacks | Sending, set: setBaseURL, get: func(c Config) string { return c.PublicBaseURL }},
	{Env: "TWILIO_AUTH_TOKEN", Flag: "twilio-auth-token", Meaning: "primary auth token: signs webhooks, sends alerts and replies, fetches media", Local: LocalAuthToken,
		Required: Inbound | Callbacks | Sending | Staff,
		set:      func(c *Config, s string) error { c.AuthToken = s; return nil }, get: func(c Config) string { return c.AuthToken }},
	{Env: "TWILIO_ACCOUNT_SID", Flag: "twilio-account-sid", Meaning: "the Twilio account; when set, webhooks of other accounts are refused",
		LocalDoc: "empty (the local fake's account for alerts)", Required: Callbacks | Sending | Staff,
		set: func(c *Config, s string) error { c.AccountSID = s; return nil }, get: func(c Config) string { return c.AccountSID }},
	{Env: "TWILIO_API_URL", Flag: "twilio-api-url", Meaning: "another Twilio API base URL (tests, a fake)",
		LocalDoc: "empty: a built-in fake whose outbox is `GET /local/outbox`", set: setURL("TWILIO_API_URL", func(c *Config, s string) { c.TwilioAPIURL = s }),
		get: func(c Config) string { return c.TwilioAPIURL }},
	{Env: "REPORTER_KEY_SECRET", Flag: "reporter-key-secret", Meaning: "keys the reporter hash; at least 16 bytes", Local: LocalReporterSecret,
		LocalDoc: "a fixed local value", Required: Reporters | Staff, set: setReporterSecret, get: func(c Config) string { return c.ReporterSecret }},
	{Env: "ANONYMOUS_MODE", Flag: "anonymous", Meaning: "`true`: keep no reporter numbers at all (no replies from staff later)", LocalDoc: "`false`", Bool: true,
		set: setAnonymous, get: func(c Config) string { return strconv.FormatBool(c.Anonymous) }},
	{Env: "CONTACT_KEY", Flag: "contact-key", Meaning: "32-byte AES-256 key (base64 or hex) sealing reporter numbers", Local: LocalContactKey,
		LocalDoc: "a fixed local value", set: setContactKey, get: func(c Config) string { return string(c.ContactKey) }},
	{Env: "CONVERSATION_WINDOW", Flag: "conversation-window", Meaning: "how long follow-ups join the open tip", LocalDoc: "`2h`",
		set: setDuration("CONVERSATION_WINDOW", "2h", func(c *Config, d time.Duration) { c.Window = d }), get: func(c Config) string { return c.Window.String() }},
	{Env: "LOG_LEVEL", Flag: "log-level", Meaning: "`debug`, `info`, `warn`, `error`", Local: "info",
		set: func(c *Config, s string) error { c.LogLevel = s; return nil }, get: func(c Config) string { return c.LogLevel }},
	{Env: "JWT_ISSUER", Meaning: "staff API: the Cognito user pool's issuer URL, checked again on the claims", LocalDoc: "not used: local tokens",
		Required: Staff, set: setIssuer, get: func(c Config) string { return c.JWTIssuer }},
	{Env: "MEDIA_HOSTS", Meaning: "staff API: comma-separated hosts media may come from", LocalDoc: "`api.twilio.com`",
		set: setMediaHosts, get: func(c Config) string { return strings.Join(c.MediaHosts, ",") }},
	{Env: "ALERT_FROM", Flag: "alert-from", Meaning: "the SMS number alerts are sent from (E.164)", Local: LocalAlertFrom, Required: Sending,
		set: setAlertFrom, get: func(c Config) string { return c.AlertFrom }},
	{Env: "ALERT_WHATSAPP_FROM", Meaning: "with the next: WhatsApp contacts get an approved template from this sender", LocalDoc: "empty: alerts by SMS",
		set: func(c *Config, s string) error { c.WhatsAppFrom = s; return nil }, get: func(c Config) string { return c.WhatsAppFrom }},
	{Env: "ALERT_WHATSAPP_CONTENT_SID", Meaning: "the approved template (variables: reference, urgency, place, campaign contact)", LocalDoc: "empty",
		set: func(c *Config, s string) error { c.WhatsAppContentSID = s; return nil }, get: func(c Config) string { return c.WhatsAppContentSID }},
	{Env: "CAMPAIGN_CONTACT", Flag: "campaign-contact", Meaning: "follow-up contact printed in alerts", Local: LocalCampaign,
		set: func(c *Config, s string) error { c.CampaignContact = s; return nil }, get: func(c Config) string { return c.CampaignContact }},
	{Env: "ESCALATE_CRITICAL", Flag: "escalate-after", Meaning: "escalate a critical tip to the next tier when nobody acknowledged it within this time", Local: "10m",
		set: setDuration("ESCALATE_CRITICAL", "10m", func(c *Config, d time.Duration) { c.EscalateCritical = d }), get: func(c Config) string { return durationOrEmpty(c.EscalateCritical) }},
	{Env: "ESCALATE_HIGH", Flag: "escalate-high-after", Meaning: "the same for high tips", LocalDoc: "six times `-escalate-after`",
		set: setDuration("ESCALATE_HIGH", "1h", func(c *Config, d time.Duration) { c.EscalateHigh = d }), get: func(c Config) string { return durationOrEmpty(c.EscalateHigh) }},
	{Env: "ALERT_MAX_ATTEMPTS", Meaning: "sends of one alert after transient failures", LocalDoc: "`8`",
		set: setMaxAttempts, get: func(c Config) string { return strconv.Itoa(c.MaxAttempts) }},
	{Env: "RECONCILE_NUMBERS", Flag: "reconcile-numbers", Meaning: "comma-separated numbers whose Twilio message log is reconciled besides the campaigns' numbers", Local: LocalAlertFrom,
		set: setNumbers, get: func(c Config) string { return strings.Join(c.ReconcileNumbers, ",") }},
	{Env: "RECONCILE_MARGIN", Meaning: "each reconcile run reads this far before its checkpoint again, for messages Twilio's log shows late", LocalDoc: "`10m`",
		set: setDuration("RECONCILE_MARGIN", "10m", func(c *Config, d time.Duration) { c.ReconcileMargin = d }), get: func(c Config) string { return durationOrEmpty(c.ReconcileMargin) }},
	{Env: "RECONCILE_SETTLE", Flag: "reconcile-settle", Meaning: "messages younger than this are left to the webhook and its fallback", Local: "1m",
		set: setDuration("RECONCILE_SETTLE", "1m", func(c *Config, d time.Duration) { c.ReconcileSettle = d }), get: func(c Config) string { return durationOrEmpty(c.ReconcileSettle) }},
	{Env: "FLOOD_LIMIT", Flag: "flood-limit", Meaning: "flood guard: past this many messages from one reporter within `FLOOD_WINDOW`, messages are stored but neither re-triaged nor answered; `0`: no guard",
		Local: strconv.Itoa(DefaultFloodLimit), set: setFloodLimit, get: func(c Config) string { return strconv.Itoa(c.FloodLimit) }},
	{Env: "FLOOD_WINDOW", Flag: "flood-window", Meaning: "the flood guard's window", Local: DefaultFloodWindow.String(),
		set: setDuration("FLOOD_WINDOW", "10m", func(c *Config, d time.Duration) { c.FloodWindow = d }), get: func(c Config) string { return durationOrEmpty(c.FloodWindow) }},
	{Env: "RETENTION_DAYS", Flag: "retention", Meaning: "days closed and spam tips are kept, with their messages, media references, alerts and audit, before the table's TTL deletes them (campaign figures stay); `0`: for ever",
		Local: strconv.Itoa(DefaultRetentionDays), set: setRetention, get: func(c Config) string { return strconv.Itoa(int(c.Retention / (24 * time.Hour))) }},
	{Env: "EVIDENCE_KEY", Meaning: "staff API: 32-byte Ed25519 seed (base64 or hex) signing evidence bundles; `tipline evidence key` prints its public key for prosecutors",
		LocalDoc: "derived from `REPORTER_KEY_SECRET`", set: setEvidenceKey, get: func(c Config) string { return string(c.EvidenceKey) }},
	{Env: "CASE_LINK_TTL", Flag: "case-link-ttl", Meaning: "how long the case page link (`/case/<token>`) an alert SMS carries works; `0`: alerts carry no link", Local: "72h",
		set: setCaseLinkTTL, get: func(c Config) string { return c.CaseLinkTTL.String() }},
	{Env: "CONSOLE_COGNITO_DOMAIN", Meaning: "staff console: the user pool's managed login domain (`https://<prefix>.auth.<region>.amazoncognito.com`), with the next", LocalDoc: "empty: sign-in by the link `serve` prints or `/console/local-signin`",
		set: setCognitoDomain, get: func(c Config) string { return c.CognitoDomain }},
	{Env: "CONSOLE_CLIENT_ID", Meaning: "staff console: the user pool client its managed login (authorization code with PKCE) goes through", LocalDoc: "empty",
		set: func(c *Config, s string) error { c.ConsoleClientID = s; return nil }, get: func(c Config) string { return c.ConsoleClientID }},
	{Env: "SECRET_ID", Meaning: "AWS: the Secrets Manager secret read once at start; its `twilioAuthToken`, `reporterKeySecret` and `contactKey` stand in for TWILIO_AUTH_TOKEN, REPORTER_KEY_SECRET and CONTACT_KEY (a variable set in the environment wins)",
		LocalDoc: "not used", set: func(*Config, string) error { return nil }, get: func(Config) string { return "" }},
	{Env: "DYNAMODB_ENDPOINT", Flag: "dynamodb-endpoint", Meaning: "local only: DynamoDB Local or another endpoint, e.g. `http://127.0.0.1:8000`; the table is created when missing",
		LocalDoc: "empty: embedded engine in-process", set: func(c *Config, s string) error { c.Local.DynamoDBEndpoint = s; return nil },
		get: func(c Config) string { return c.Local.DynamoDBEndpoint }},
	{Flag: "dynamodb-conflicts", Meaning: "local only: apply DynamoDB's transaction conflict rules (TransactionConflict), which DynamoDB Local and the embedded engine lack", LocalDoc: "`false`", Bool: true,
		set: func(c *Config, s string) error {
			b, err := strconv.ParseBool(s)
			c.Local.DynamoDBConflicts = b
			return err
		},
		get: func(c Config) string { return strconv.FormatBool(c.Local.DynamoDBConflicts) }},
	{Flag: "addr", Meaning: "listen address: loopback only by default, since `/local/outbox` shows reporters' numbers; `-addr :8080` listens on every interface (see Exposing serve)", Local: "127.0.0.1:8080", set: func(c *Config, s string) error { c.Local.Addr = s; return nil }, get: func(c Config) string { return c.Local.Addr }},
	{Flag: "sweep-every", Meaning: "how often the sweeper runs (the escalate function runs every minute in AWS)", Local: "1s",
		set: setDuration("-sweep-every", "1s", func(c *Config, d time.Duration) { c.Local.SweepEvery = d }), get: func(c Config) string { return durationOrEmpty(c.Local.SweepEvery) }},
	{Flag: "no-seed", Meaning: "do not load the seed authorities and routing rules (infra/seed) on start", LocalDoc: "`false`", Bool: true,
		set: func(c *Config, s string) error { b, err := strconv.ParseBool(s); c.Local.NoSeed = b; return err },
		get: func(c Config) string { return strconv.FormatBool(c.Local.NoSeed) }},
	{Flag: "reconcile-every", Meaning: "how often Twilio's message log is reconciled (the reconcile-messages function runs every 5 minutes in AWS); `0s` turns it off; `POST /local/reconcile` runs it now", Local: "5m",
		set: setDurationOrZero("-reconcile-every", func(c *Config, d time.Duration) { c.Local.ReconcileEvery = d }), get: func(c Config) string { return c.Local.ReconcileEvery.String() }},
	{Flag: "twilio-fallback-url", Meaning: "with the built-in fake Twilio: where an inbound message goes, once, when the webhook fails, as Twilio's fallback URL", LocalDoc: "empty: none",
		set: setURL("-twilio-fallback-url", func(c *Config, s string) { c.Local.FallbackURL = s }), get: func(c Config) string { return c.Local.FallbackURL }},
	{Flag: "dead-letters", Meaning: "folder keeping the stream records the alert consumers fail (with `-dynamodb-endpoint`); `tipline dlq` reads it", LocalDoc: "`$TIPLINE_CACHE/dead-letters`",
		set: func(c *Config, s string) error { c.Local.DeadLetters = s; return nil }, get: func(c Config) string { return c.Local.DeadLetters }},
	{Flag: "staff-token-key", Meaning: "signing key of local staff API tokens (made on first use; `tipline token` reads it too)", LocalDoc: "`$TIPLINE_CACHE/staff-token.key`",
		set: func(c *Config, s string) error { c.Local.StaffTokenKey = s; return nil }, get: func(c Config) string { return c.Local.StaffTokenKey }},
	{Flag: "data", Meaning: "folder where the embedded engine keeps its data (a journal of every write, fsynced before the write is answered, replayed at start) and the fake Twilio its media",
		LocalDoc: "`$TIPLINE_CACHE/data` (`~/.cache/tipline/data`)",
		set:      func(c *Config, s string) error { c.Local.DataDir = s; return nil }, get: func(c Config) string { return c.Local.DataDir }},
	{Flag: "ephemeral", Meaning: "keep the embedded engine's data in memory only: everything is lost when serve stops", LocalDoc: "`false`", Bool: true,
		set: func(c *Config, s string) error { b, err := strconv.ParseBool(s); c.Local.Ephemeral = b; return err },
		get: func(c Config) string { return strconv.FormatBool(c.Local.Ephemeral) }},
}

func (v Var) empty(c Config) bool { return v.get(c) == "" }

func setBaseURL(c *Config, s string) error {
	c.PublicBaseURL = trimSlash(s)
	if !strings.HasPrefix(c.PublicBaseURL, "https://") && !strings.HasPrefix(c.PublicBaseURL, "http://") {
		return errors.New("PUBLIC_BASE_URL must start with https://")
	}
	return nil
}

func setURL(name string, dst func(*Config, string)) func(*Config, string) error {
	return func(c *Config, s string) error {
		dst(c, trimSlash(s))
		if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
			return fmt.Errorf("%s must be an http or https URL", name)
		}
		return nil
	}
}

func setReporterSecret(c *Config, s string) error {
	c.ReporterSecret = s
	if len(s) < 16 {
		return errors.New("REPORTER_KEY_SECRET must be at least 16 bytes")
	}
	return nil
}

// setContactKey reads the key unless ANONYMOUS_MODE (read before it) keeps
// no numbers.
func setContactKey(c *Config, s string) error {
	if c.Anonymous {
		return nil
	}
	k, err := contact.DecodeKey(s)
	if err != nil {
		return fmt.Errorf("CONTACT_KEY: %v (or set ANONYMOUS_MODE=true)", err)
	}
	c.ContactKey = k
	return nil
}

func setAnonymous(c *Config, s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("ANONYMOUS_MODE %q is not true or false", s)
	}
	c.Anonymous = b
	return nil
}

func setIssuer(c *Config, s string) error {
	c.JWTIssuer = s
	if !strings.HasPrefix(s, "https://") {
		return errors.New("JWT_ISSUER must be an https URL")
	}
	return nil
}

func setMediaHosts(c *Config, s string) error {
	c.MediaHosts = nil
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.MediaHosts = append(c.MediaHosts, h)
		}
	}
	return nil
}

func setAlertFrom(c *Config, s string) error {
	c.AlertFrom = s
	if !tip.ValidE164(s) {
		return errors.New("ALERT_FROM is not an E.164 number")
	}
	return nil
}

func setEvidenceKey(c *Config, s string) error {
	k, err := contact.DecodeKey(s)
	if err != nil {
		return fmt.Errorf("EVIDENCE_KEY: %v", err)
	}
	c.EvidenceKey = k
	return nil
}

func setFloodLimit(c *Config, s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("FLOOD_LIMIT %q is not a number of messages (0: no guard)", s)
	}
	c.FloodLimit = n
	return nil
}

func setRetention(c *Config, s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("RETENTION_DAYS %q is not a number of days (0 keeps tips for ever)", s)
	}
	c.Retention = time.Duration(n) * 24 * time.Hour
	return nil
}

func setCaseLinkTTL(c *Config, s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("CASE_LINK_TTL %q is not a duration such as 72h (0: no links)", s)
	}
	c.CaseLinkTTL = d
	return nil
}

func setCognitoDomain(c *Config, s string) error {
	c.CognitoDomain = trimSlash(s)
	if !strings.HasPrefix(s, "https://") {
		return errors.New("CONSOLE_COGNITO_DOMAIN must be an https URL")
	}
	return nil
}

func setMaxAttempts(c *Config, s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("ALERT_MAX_ATTEMPTS %q is not a positive number", s)
	}
	c.MaxAttempts = n
	return nil
}

func setDuration(name, example string, dst func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s %q is not a positive duration such as %s", name, s, example)
		}
		dst(c, d)
		return nil
	}
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func setNumbers(c *Config, s string) error {
	c.ReconcileNumbers = nil
	var bad []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !tip.ValidE164(n) {
			bad = append(bad, n)
			continue
		}
		c.ReconcileNumbers = append(c.ReconcileNumbers, n)
	}
	if len(bad) > 0 {
		return fmt.Errorf("RECONCILE_NUMBERS: %d entries are not E.164 numbers", len(bad))
	}
	return nil
}

func setDurationOrZero(name string, dst func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("%s %q is not a duration such as 5m (0s turns it off)", name, s)
		}
		dst(c, d)
		return nil
	}
}
