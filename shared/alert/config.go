package alert

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// Needs says what a function does beyond routing, so that configuration
// asks for exactly what it uses.
type Needs int

// What a function needs.
const (
	NeedSend    Needs = 1 << iota // sends alerts through Twilio
	NeedWebhook                   // validates Twilio's signed callbacks
)

// Env is the configuration of an alert function, read from the environment.
type Env struct {
	Table         string // TABLE_NAME
	LogLevel      string // LOG_LEVEL
	AccountSID    string // TWILIO_ACCOUNT_SID
	AuthToken     string // TWILIO_AUTH_TOKEN
	PublicBaseURL string // PUBLIC_BASE_URL: the status callback is <base>/twilio/status
	Config
	needs Needs
}

// ConfigFromEnv reads an alert function's configuration, reporting every
// missing or malformed variable at once. Variables:
//
//	TABLE_NAME                         always
//	TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN   sending and callbacks
//	ALERT_FROM                         sending: the SMS number alerts come from
//	PUBLIC_BASE_URL                    sending and callbacks
//	ALERT_WHATSAPP_FROM, ALERT_WHATSAPP_CONTENT_SID   optional: WhatsApp template
//	CAMPAIGN_CONTACT                   optional: follow-up contact in alerts
//	ESCALATE_CRITICAL, ESCALATE_HIGH   optional durations (10m, 1h)
//	ALERT_MAX_ATTEMPTS                 optional (8)
func ConfigFromEnv(getenv func(string) string, needs Needs) (Env, error) {
	e := Env{Table: getenv("TABLE_NAME"), LogLevel: getenv("LOG_LEVEL"), AccountSID: getenv("TWILIO_ACCOUNT_SID"),
		AuthToken: getenv("TWILIO_AUTH_TOKEN"), PublicBaseURL: strings.TrimRight(getenv("PUBLIC_BASE_URL"), "/"), needs: needs}
	e.From = getenv("ALERT_FROM")
	e.WhatsAppFrom = getenv("ALERT_WHATSAPP_FROM")
	e.WhatsAppContentSID = getenv("ALERT_WHATSAPP_CONTENT_SID")
	e.CampaignContact = getenv("CAMPAIGN_CONTACT")
	e.Grace = DefaultGrace
	required := map[string]string{"TABLE_NAME": e.Table}
	if needs&(NeedSend|NeedWebhook) != 0 {
		required["TWILIO_ACCOUNT_SID"] = e.AccountSID
		required["TWILIO_AUTH_TOKEN"] = e.AuthToken
		required["PUBLIC_BASE_URL"] = e.PublicBaseURL
	}
	if needs&NeedSend != 0 {
		required["ALERT_FROM"] = e.From
	}
	var errs []error
	for name, v := range required {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
	}
	if e.From != "" && !tip.ValidE164(e.From) {
		errs = append(errs, errors.New("ALERT_FROM is not an E.164 number"))
	}
	if (e.WhatsAppFrom == "") != (e.WhatsAppContentSID == "") {
		errs = append(errs, errors.New("ALERT_WHATSAPP_FROM and ALERT_WHATSAPP_CONTENT_SID go together"))
	}
	for name, dst := range map[string]*time.Duration{"ESCALATE_CRITICAL": &e.EscalateCritical, "ESCALATE_HIGH": &e.EscalateHigh} {
		if s := getenv(name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s %q is not a positive duration such as 10m", name, s))
			}
			*dst = d
		}
	}
	if s := getenv("ALERT_MAX_ATTEMPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("ALERT_MAX_ATTEMPTS %q is not a positive number", s))
		}
		e.MaxAttempts = n
	}
	if e.PublicBaseURL != "" {
		if !strings.HasPrefix(e.PublicBaseURL, "https://") && !strings.HasPrefix(e.PublicBaseURL, "http://") {
			errs = append(errs, errors.New("PUBLIC_BASE_URL must start with https://"))
		}
		e.StatusCallbackURL = e.PublicBaseURL + "/twilio/status"
	}
	if err := errors.Join(errs...); err != nil {
		return e, fmt.Errorf("configuration: %w", err)
	}
	return e, nil
}

// Build wires a dispatcher from its configuration and a DynamoDB client.
// With NeedSend it sends through Twilio's API (or apiURL when not empty).
func Build(e Env, db store.API, log *slog.Logger, apiURL string) (*Dispatcher, error) {
	texts, err := LoadTexts()
	if err != nil {
		return nil, err
	}
	book, err := reply.Load()
	if err != nil {
		return nil, err
	}
	d := Deps{Store: store.New(db, e.Table, nil), Texts: texts, Replies: book, Log: log}
	if e.needs&NeedSend != 0 {
		s, err := twilio.NewSender(twilio.SenderConfig{AccountSID: e.AccountSID, AuthToken: e.AuthToken, APIURL: apiURL})
		if err != nil {
			return nil, err
		}
		d.Messenger = s
	}
	return New(e.Config, d), nil
}

// Validator checks the signatures of Twilio's callbacks to this deployment.
func (e Env) Validator() *twilio.Validator { return twilio.NewValidator(e.AuthToken, e.PublicBaseURL) }
