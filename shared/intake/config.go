package intake

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"tipline/shared/campaign"

	"tipline/shared/contact"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

// AttributionCacheTTL is how long a warm function keeps what it read of
// campaigns and material codes.
const AttributionCacheTTL = time.Minute

// Config is the webhook's configuration, read from the environment in
// Lambda and from flags in the local stack.
type Config struct {
	Table          string        // TABLE_NAME
	PublicBaseURL  string        // PUBLIC_BASE_URL: scheme and host Twilio calls
	AuthToken      string        // TWILIO_AUTH_TOKEN: primary auth token, signs webhooks
	AccountSID     string        // TWILIO_ACCOUNT_SID: optional; other accounts are refused
	ReporterSecret string        // REPORTER_KEY_SECRET: keys the reporter hash, ≥ 16 bytes
	ContactKey     []byte        // CONTACT_KEY: 32 bytes, base64 or hex; seals numbers
	Anonymous      bool          // ANONYMOUS_MODE: keep no numbers at all
	Window         time.Duration // CONVERSATION_WINDOW: follow-ups join the open tip (default 2h)
	LogLevel       string        // LOG_LEVEL
}

// ConfigFromEnv reads the configuration, reporting every missing or bad
// variable at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Table: getenv("TABLE_NAME"), PublicBaseURL: strings.TrimRight(getenv("PUBLIC_BASE_URL"), "/"),
		AuthToken: getenv("TWILIO_AUTH_TOKEN"), AccountSID: getenv("TWILIO_ACCOUNT_SID"),
		ReporterSecret: getenv("REPORTER_KEY_SECRET"), LogLevel: getenv("LOG_LEVEL"), Window: DefaultWindow,
	}
	var errs []error
	for name, v := range map[string]string{"TABLE_NAME": c.Table, "PUBLIC_BASE_URL": c.PublicBaseURL,
		"TWILIO_AUTH_TOKEN": c.AuthToken, "REPORTER_KEY_SECRET": c.ReporterSecret} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
	}
	if c.PublicBaseURL != "" && !strings.HasPrefix(c.PublicBaseURL, "https://") && !strings.HasPrefix(c.PublicBaseURL, "http://") {
		errs = append(errs, errors.New("PUBLIC_BASE_URL must start with https://"))
	}
	key, anonymous, sealErrs := contact.SealingFromEnv(getenv)
	c.ContactKey, c.Anonymous = key, anonymous
	errs = append(errs, sealErrs...)
	if s := getenv("CONVERSATION_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("CONVERSATION_WINDOW %q is not a positive duration such as 2h", s))
		}
		c.Window = d
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// Build wires the webhook handler from its configuration and a DynamoDB client.
func Build(c Config, db store.API, log *slog.Logger) (*Handler, error) {
	d, err := Wire(c, db, log)
	if err != nil {
		return nil, err
	}
	return New(d), nil
}

// Wire builds the handler's dependencies, for callers that add to them
// (interceptors) before New.
func Wire(c Config, db store.API, log *slog.Logger) (Deps, error) {
	engine, err := triage.New()
	if err != nil {
		return Deps{}, err
	}
	book, err := reply.Load()
	if err != nil {
		return Deps{}, err
	}
	keeper, err := contact.NewKeeper([]byte(c.ReporterSecret), c.ContactKey)
	if err != nil {
		return Deps{}, err
	}
	st := store.New(db, c.Table, nil)
	return Deps{
		Store: st, Triage: engine, Replies: book, Contacts: keeper,
		Attributor: campaign.NewAttributor(st, nil, AttributionCacheTTL),
		Validator:  twilio.NewValidator(c.AuthToken, c.PublicBaseURL), Log: log,
		Window: c.Window, AccountSID: c.AccountSID,
	}, nil
}
