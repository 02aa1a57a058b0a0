package reply_test

import (
	"strings"
	"testing"

	"tipline/shared/reply"
	"tipline/shared/tip"
)

func book(t *testing.T) *reply.Book {
	t.Helper()
	b, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeywords(t *testing.T) {
	b := book(t)
	tests := []struct {
		body string
		kind reply.Keyword
		lang string
	}{
		{"STOP", reply.OptOut, "en"},
		{" baja ", reply.OptOut, "es"},
		{"Cancelar.", reply.OptOut, "es"},
		{"ALTA", reply.OptIn, "es"},
		{"start", reply.OptIn, "en"},
		{"Ayuda!", reply.Help, "es"},
		{"info", reply.Help, "en"},
		{"stop please", reply.NoKeyword, ""},
		{"ayuda me tienen encerrada", reply.NoKeyword, ""},
		{"", reply.NoKeyword, ""},
	}
	for _, tc := range tests {
		kind, lang := b.Keyword(tc.body)
		if kind != tc.kind || lang != tc.lang {
			t.Errorf("Keyword(%q) = %v %q, want %v %q", tc.body, kind, lang, tc.kind, tc.lang)
		}
	}
}

func TestFirstReply(t *testing.T) {
	b := book(t)
	tests := []struct {
		name   string
		triage tip.Triage
		check  func(t *testing.T, s string)
	}{
		{"danger now puts 105 first", tip.Triage{Urgency: tip.Critical, ImmediateDanger: true, Region: "PE-MDD", Language: "es"}, func(t *testing.T, s string) {
			if !strings.HasPrefix(s, "Si tú u otra persona está en peligro ahora, llama al 105") {
				t.Errorf("reply does not start with 105: %q", s)
			}
		}},
		{"a minor says children's cases always go to the authorities", tip.Triage{Urgency: tip.High, Minor: true, Region: "PE-CUS", Language: "es"}, func(t *testing.T, s string) {
			if !strings.Contains(s, "siempre se comunican a las autoridades") {
				t.Errorf("reply lacks the sentence on minors: %q", s)
			}
		}},
		{"a missing place asks where", tip.Triage{Urgency: tip.Medium, Language: "es"}, func(t *testing.T, s string) {
			if !strings.Contains(s, "dónde ocurre") {
				t.Errorf("reply does not ask where: %q", s)
			}
		}},
		{"English for English", tip.Triage{Urgency: tip.Low, Language: "en"}, func(t *testing.T, s string) {
			if !strings.Contains(s, "Your reference is K7Q3MX") || !strings.Contains(s, "105") {
				t.Errorf("English reply = %q", s)
			}
		}},
		{"Quechua falls back to Spanish until validated texts exist", tip.Triage{Urgency: tip.Low, Language: "qu"}, func(t *testing.T, s string) {
			if !strings.Contains(s, "Tu código es K7Q3MX") {
				t.Errorf("Quechua reply = %q", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := b.First("K7Q3MX", tc.triage)
			for _, must := range []string{"K7Q3MX", "105", "1818"} {
				if !strings.Contains(s, must) {
					t.Errorf("first reply lacks %q: %q", must, s)
				}
			}
			if strings.Contains(s, "{") {
				t.Errorf("a placeholder is left: %q", s)
			}
			tc.check(t, s)
		})
	}
	if f := b.FollowUp("K7Q3MX", tip.Triage{Language: "es"}); !strings.Contains(f, "K7Q3MX") || len(f) > 160 {
		t.Errorf("follow-up = %q, want a short acknowledgement with the reference", f)
	}
}

// TestDangerNowOpensTheReply checks that the emergency numbers come first
// whenever anyone is in danger now, trafficking or not, with the Línea 100
// for family violence, in the first reply and in a follow-up.
func TestDangerNowOpensTheReply(t *testing.T) {
	b := book(t)
	tests := []struct {
		name      string
		triage    tip.Triage
		first     string // what the reply opens with
		hasLine   bool   // the Línea 100 is given
		lineFirst bool   // ... right after 105
	}{
		{"family violence under way opens with 105 then the Línea 100",
			tip.Triage{Urgency: tip.Low, Emergency: true, FamilyViolence: true, Language: "es"}, "Si tú u otra persona está en peligro ahora, llama al 105", true, true},
		{"a critical trafficking tip opens with 105",
			tip.Triage{Urgency: tip.Critical, ImmediateDanger: true, Emergency: true, Language: "es"}, "Si tú u otra persona está en peligro ahora, llama al 105", false, false},
		{"people hurt in an accident open with 105 in English",
			tip.Triage{Urgency: tip.Low, Emergency: true, Language: "en"}, "If you or someone else is in danger right now, call 105", false, false},
		{"family violence without danger now thanks first and still gives the Línea 100",
			tip.Triage{Urgency: tip.Low, FamilyViolence: true, Language: "es"}, "Gracias por escribir", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, got := range []string{b.First("T-1", tt.triage), b.FollowUp("T-1", tt.triage)} {
				if tt.first == "Gracias por escribir" && got == b.FollowUp("T-1", tt.triage) {
					continue // a follow-up without danger is a short acknowledgement
				}
				if !strings.HasPrefix(got, tt.first) {
					t.Errorf("reply %q does not open with %q", got, tt.first)
				}
				has := strings.Contains(got, "Línea 100")
				if tt.hasLine && !has && got == b.First("T-1", tt.triage) {
					t.Errorf("reply %q does not give the Línea 100", got)
				}
				if tt.lineFirst && !strings.HasPrefix(strings.TrimPrefix(got, b.For("es").DangerNow+" "), "Violencia familiar: Línea 100") {
					t.Errorf("reply %q does not give the Línea 100 right after 105", got)
				}
			}
		})
	}
}
