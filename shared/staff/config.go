package staff

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"tipline/shared/contact"
	"tipline/shared/store"
	"tipline/shared/twilio"
)

// Config is the staff API's configuration in Lambda, read from the
// environment.
type Config struct {
	Table          string   // TABLE_NAME
	Issuer         string   // JWT_ISSUER: the Cognito user pool's issuer URL, checked again on the claims
	ReporterSecret string   // REPORTER_KEY_SECRET: keys reporter hashes; media link keys derive from it
	ContactKey     []byte   // CONTACT_KEY: opens reporters' sealed numbers for replies
	Anonymous      bool     // ANONYMOUS_MODE: no numbers kept, no replies
	AccountSID     string   // TWILIO_ACCOUNT_SID
	AuthToken      string   // TWILIO_AUTH_TOKEN: sends replies, fetches media
	TwilioAPIURL   string   // TWILIO_API_URL: optional, another Twilio API base (tests)
	MediaHosts     []string // MEDIA_HOSTS: optional, comma-separated hosts media may come from
	LogLevel       string   // LOG_LEVEL
	// Retention is how long closed and spam tips are kept (RETENTION_DAYS,
	// default 730; 0 keeps them for ever).
	Retention time.Duration
}

// ConfigFromEnv reads the configuration, reporting every missing or bad
// variable at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Table: getenv("TABLE_NAME"), Issuer: getenv("JWT_ISSUER"), ReporterSecret: getenv("REPORTER_KEY_SECRET"),
		AccountSID: getenv("TWILIO_ACCOUNT_SID"), AuthToken: getenv("TWILIO_AUTH_TOKEN"),
		TwilioAPIURL: getenv("TWILIO_API_URL"), LogLevel: getenv("LOG_LEVEL")}
	var errs []error
	for _, v := range []struct{ name, value string }{{"TABLE_NAME", c.Table}, {"JWT_ISSUER", c.Issuer},
		{"REPORTER_KEY_SECRET", c.ReporterSecret}, {"TWILIO_ACCOUNT_SID", c.AccountSID}, {"TWILIO_AUTH_TOKEN", c.AuthToken}} {
		if v.value == "" {
			errs = append(errs, fmt.Errorf("%s is not set", v.name))
		}
	}
	if c.Issuer != "" && !strings.HasPrefix(c.Issuer, "https://") {
		errs = append(errs, errors.New("JWT_ISSUER must be an https URL"))
	}
	if len(c.ReporterSecret) > 0 && len(c.ReporterSecret) < 16 {
		errs = append(errs, errors.New("REPORTER_KEY_SECRET must be at least 16 bytes"))
	}
	key, anonymous, sealErrs := contact.SealingFromEnv(getenv)
	c.ContactKey, c.Anonymous = key, anonymous
	errs = append(errs, sealErrs...)
	for _, h := range strings.Split(getenv("MEDIA_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.MediaHosts = append(c.MediaHosts, h)
		}
	}
	c.Retention = store.DefaultRetention
	if s := getenv("RETENTION_DAYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("RETENTION_DAYS %q is not a number of days", s))
		}
		c.Retention = time.Duration(n) * 24 * time.Hour
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// MediaKey derives the key of media links from a secret, so that no
// further secret has to be deployed.
func MediaKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tipline media links v1"))
	return m.Sum(nil)
}

// Wire builds the handler's dependencies in Lambda: claims come from API
// Gateway's JWT authorizer. It does no I/O. The caller adds a Forwarder.
func Wire(c Config, db store.API, log *slog.Logger) (Deps, error) {
	var sealKey []byte
	if !c.Anonymous {
		sealKey = c.ContactKey
	}
	keeper, err := contact.NewKeeper([]byte(c.ReporterSecret), sealKey)
	if err != nil {
		return Deps{}, err
	}
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: c.AccountSID, AuthToken: c.AuthToken, APIURL: c.TwilioAPIURL})
	if err != nil {
		return Deps{}, err
	}
	return Deps{
		Store: store.New(db, c.Table, nil).WithRetention(c.Retention), Auth: GatewayClaims{Issuer: c.Issuer}, Log: log,
		Contacts: keeper, Sender: sender,
		Media:    TwilioMedia{AccountSID: c.AccountSID, AuthToken: c.AuthToken, Hosts: c.MediaHosts},
		MediaKey: MediaKey([]byte(c.ReporterSecret)),
	}, nil
}
