package config_test

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"tipline/shared/config"
)

// valid is an environment every function accepts.
var valid = map[string]string{
	"TABLE_NAME": "tipline", "PUBLIC_BASE_URL": "https://tips.example.org/", "TWILIO_ACCOUNT_SID": "AC0123",
	"TWILIO_AUTH_TOKEN": "tok0123", "REPORTER_KEY_SECRET": "0123456789abcdef0123",
	"CONTACT_KEY": config.LocalContactKey, "JWT_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/x", "ALERT_FROM": "+51900000000",
}

func with(changes map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range valid {
		env[k] = v
	}
	for k, v := range changes {
		env[k] = v
	}
	return env
}

func TestFromEnvNamesEveryProblemAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		needs config.Need
		want  []string // every one named in the error; none: valid
	}{
		{"dispatch needs only TABLE_NAME", map[string]string{"TABLE_NAME": "t"}, config.DispatchAlerts, nil},
		{"an empty environment names every variable sending needs", nil, config.SendAlerts,
			[]string{"TABLE_NAME", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "ALERT_FROM", "PUBLIC_BASE_URL"}},
		{"an empty environment names every variable the staff API needs", nil, config.StaffAPI,
			[]string{"TABLE_NAME", "JWT_ISSUER", "REPORTER_KEY_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "CONTACT_KEY"}},
		{"an empty environment names every variable the webhook needs", nil, config.ReceiveMessage,
			[]string{"TABLE_NAME", "PUBLIC_BASE_URL", "TWILIO_AUTH_TOKEN", "REPORTER_KEY_SECRET", "CONTACT_KEY"}},
		{"the webhook does not need the account, the sender or the issuer",
			map[string]string{"TABLE_NAME": "t", "PUBLIC_BASE_URL": "https://x.org", "TWILIO_AUTH_TOKEN": "tok", "REPORTER_KEY_SECRET": "0123456789abcdef", "ANONYMOUS_MODE": "true"},
			config.ReceiveMessage, nil},
		{"a short reporter secret is refused for every function that uses it", with(map[string]string{"REPORTER_KEY_SECRET": "short"}),
			config.ReceiveMessage, []string{"REPORTER_KEY_SECRET must be at least 16 bytes"}},
		{"malformed values are all named together", with(map[string]string{"PUBLIC_BASE_URL": "tips.example.org", "ALERT_FROM": "900",
			"ESCALATE_CRITICAL": "soon", "ALERT_MAX_ATTEMPTS": "0", "CONVERSATION_WINDOW": "-1h", "ANONYMOUS_MODE": "maybe", "JWT_ISSUER": "http://x"}),
			config.DispatchAlerts, []string{"PUBLIC_BASE_URL", "ALERT_FROM", "ESCALATE_CRITICAL", "ALERT_MAX_ATTEMPTS", "CONVERSATION_WINDOW", "ANONYMOUS_MODE", "JWT_ISSUER"}},
		{"a WhatsApp sender without its template is refused", with(map[string]string{"ALERT_WHATSAPP_FROM": "whatsapp:+51900000000"}),
			config.SendAlerts, []string{"ALERT_WHATSAPP_CONTENT_SID"}},
		{"a bad contact key is named without its value", with(map[string]string{"CONTACT_KEY": "c2VjcmV0LWJ1dC1zaG9ydA=="}),
			config.ReceiveMessage, []string{"CONTACT_KEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.FromEnv(config.Getenv(tc.env), tc.needs)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("FromEnv() error = %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("FromEnv() accepted %v", tc.env)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "c2VjcmV0LWJ1dC1zaG9ydA") {
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
}

func TestFromEnvReadsEveryValue(t *testing.T) {
	c, err := config.FromEnv(config.Getenv(with(map[string]string{"ESCALATE_CRITICAL": "5m", "ESCALATE_HIGH": "30m",
		"ALERT_MAX_ATTEMPTS": "3", "MEDIA_HOSTS": " api.twilio.com, media.example.org ", "CONVERSATION_WINDOW": "90m"})), config.All)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicBaseURL != "https://tips.example.org" || c.StatusCallbackURL() != "https://tips.example.org/twilio/status" {
		t.Errorf("base URL %q, callback %q: want the trailing slash dropped", c.PublicBaseURL, c.StatusCallbackURL())
	}
	if c.EscalateCritical != 5*time.Minute || c.EscalateHigh != 30*time.Minute || c.MaxAttempts != 3 || c.Window != 90*time.Minute {
		t.Errorf("durations and counts not read: %+v", c)
	}
	if len(c.ContactKey) != 32 || strings.Join(c.MediaHosts, ",") != "api.twilio.com,media.example.org" {
		t.Errorf("contact key of %d bytes, media hosts %q", len(c.ContactKey), c.MediaHosts)
	}
	if c.Grace != config.DefaultGrace {
		t.Errorf("grace = %v, want the default %v", c.Grace, config.DefaultGrace)
	}
	anon, err := config.FromEnv(config.Getenv(with(map[string]string{"ANONYMOUS_MODE": "true"})), config.ReceiveMessage)
	if err != nil || !anon.Anonymous || anon.ContactKey != nil {
		t.Errorf("anonymous mode: %+v, %v; want no contact key kept", anon, err)
	}
}

func TestServeFlagsComeFromTheSameTable(t *testing.T) {
	parse := func(args []string, env map[string]string) (config.Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		read := config.Flags(fs, config.Getenv(env))
		if err := fs.Parse(args); err != nil {
			return config.Config{}, err
		}
		return read(0)
	}
	t.Run("the local defaults make a configuration serve accepts", func(t *testing.T) {
		c, err := parse(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Table != "tipline" || c.AuthToken != config.LocalAuthToken || len(c.ContactKey) != 32 || c.Local.Addr != "127.0.0.1:8080" ||
			c.Local.SweepEvery != time.Second || c.EscalateCritical != 10*time.Minute || c.AlertFrom != config.LocalAlertFrom {
			t.Errorf("defaults: %+v", c)
		}
	})
	t.Run("a variable set in the environment is the flag's default, a flag wins over it", func(t *testing.T) {
		c, err := parse([]string{"-table", "flagged", "-anonymous", "-no-seed"}, map[string]string{"TABLE_NAME": "fromenv", "TWILIO_AUTH_TOKEN": "envtoken"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Table != "flagged" || c.AuthToken != "envtoken" || !c.Anonymous || c.ContactKey != nil || !c.Local.NoSeed {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("a bad flag value is named as its variable is", func(t *testing.T) {
		if _, err := parse([]string{"-conversation-window", "0s"}, nil); err == nil || !strings.Contains(err.Error(), "CONVERSATION_WINDOW") {
			t.Errorf("error = %v, want CONVERSATION_WINDOW named", err)
		}
	})
	t.Run("every table row with a flag is a flag of serve", func(t *testing.T) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		config.Flags(fs, config.Getenv(nil))
		for _, v := range config.Vars {
			if v.Flag != "" && fs.Lookup(v.Flag) == nil {
				t.Errorf("-%s is not defined", v.Flag)
			}
		}
	})
}

var update = flag.Bool("update", false, "write the configuration table into README.md")

// The README's table sits between these two lines.
const (
	tableStart = "<!-- configuration table: made from shared/config's Vars; go test ./shared/config -update rewrites it -->\n"
	tableEnd   = "<!-- end of the configuration table -->\n"
)

func TestTheReadmeTableIsTheConfigurationTable(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	before, rest, ok := strings.Cut(readme, tableStart)
	table, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok || !ok2 {
		t.Fatalf("README.md has no configuration table between %q and %q", tableStart, tableEnd)
	}
	want := config.Markdown()
	if table == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(before+tableStart+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's configuration table differs from shared/config's Vars (go test ./shared/config -update rewrites it); want:\n\n%s", want)
}
