package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"tipline/infra/localdb"
	"tipline/shared/alert"
	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// env is an environment every function accepts.
var env = map[string]string{
	"TABLE_NAME": "app_test", "PUBLIC_BASE_URL": "https://tips.example.org", "TWILIO_ACCOUNT_SID": "AC0123",
	"TWILIO_AUTH_TOKEN": "tok0123", "REPORTER_KEY_SECRET": "0123456789abcdef0123", "CONTACT_KEY": config.LocalContactKey,
	"JWT_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/x", "ALERT_FROM": "+51900000000",
}

func TestEveryFunctionBuildsFromItsConfiguration(t *testing.T) {
	db, err := localdb.Embedded(context.Background(), "app_test")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	tests := []struct {
		name  string
		needs config.Need
		build func(a *app.App) (any, error)
	}{
		{"receive-message builds the webhook", config.ReceiveMessage, func(a *app.App) (any, error) { return a.Webhook() }},
		{"message-status builds the status callback", config.MessageStatus, func(a *app.App) (any, error) { return a.MessageStatus() }},
		{"dispatch-alerts builds the tip stream consumer", config.DispatchAlerts, func(a *app.App) (any, error) { return a.DispatchAlerts() }},
		{"send-alerts builds the alert stream consumer", config.SendAlerts, func(a *app.App) (any, error) { return a.SendAlerts() }},
		{"escalate builds the sweep", config.Escalate, func(a *app.App) (any, error) { return a.Escalate() }},
		{"staff-api builds the staff API", config.StaffAPI, func(a *app.App) (any, error) { return a.StaffAPI() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.FromEnv(config.Getenv(env), tc.needs)
			if err != nil {
				t.Fatal(err)
			}
			h, err := tc.build(app.New(cfg, tc.needs, app.Clients{DB: db, Log: log}))
			if err != nil || h == nil {
				t.Fatalf("build = %v, %v", h, err)
			}
		})
	}
}

// post sends a signed inbound message and returns the TwiML answer.
func post(t *testing.T, h http.Handler, sid, from, body string) string {
	t.Helper()
	form := url.Values{"MessageSid": {sid}, "AccountSid": {env["TWILIO_ACCOUNT_SID"]}, "From": {from}, "To": {"+51900000000"},
		"Body": {body}, "NumMedia": {"0"}}
	req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(env["TWILIO_AUTH_TOKEN"], env["PUBLIC_BASE_URL"]+"/twilio/messages", form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("webhook answered %d: %s", w.Code, w.Body)
	}
	return w.Body.String()
}

func TestTheWebhookAsksForConsentAndTakesAuthoritiesMessages(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "app_webhook")
	if err != nil {
		t.Fatal(err)
	}
	e := map[string]string{}
	for k, v := range env {
		e[k] = v
	}
	e["TABLE_NAME"] = "app_webhook"
	cfg, err := config.FromEnv(config.Getenv(e), config.ReceiveMessage)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(cfg, config.ReceiveMessage, app.Clients{DB: db, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err := a.Store().PutAuthority(ctx, tip.Authority{ID: "fistrap-mdd", Name: "FISTRAP Madre de Dios", Regions: []string{"PE-MDD"}, Active: true,
		Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51900000111", Tier: 1}}}); err != nil {
		t.Fatal(err)
	}
	h, err := a.Webhook()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an adult victim's report is answered with the consent question", func(t *testing.T) {
		got := post(t, h, "SM000000000000000000000000000a0001", "+51987650001",
			"Trabajo en un bar de Mazuko en Madre de Dios, me quitaron mi DNI y no me pagan, dicen que debo el pasaje")
		if !strings.Contains(got, "Responde SI o NO") {
			t.Errorf("reply %q does not ask for consent", got)
		}
	})
	t.Run("a message from an authority's number is taken by the alert interceptor, not made a tip", func(t *testing.T) {
		got := post(t, h, "SM000000000000000000000000000a0002", "+51900000111", "hola, quien es?")
		texts, err := alert.LoadTexts()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, firstWords(texts.AuthorityHelp)) {
			t.Errorf("reply %q is not the authorities' help text", got)
		}
	})
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}
