package alert_test

import (
	"strings"
	"testing"

	"tipline/shared/alert"
	"tipline/shared/tip"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name string
		s    string
		n    int
		gsm  bool
	}{
		{"160 GSM-7 characters fit one segment", strings.Repeat("a", 160), 1, true},
		{"161 take two segments of 153", strings.Repeat("a", 161), 2, true},
		{"extension characters count twice", strings.Repeat("€", 81), 2, true},
		{"ñ and ¿ stay GSM-7", "¿niña?", 1, true},
		{"an accent GSM-7 lacks makes it UCS-2: 71 characters take two segments", strings.Repeat("á", 71), 2, false},
		{"an emoji counts two UTF-16 units", strings.Repeat("🙏", 35), 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, gsm := alert.Segments(tc.s)
			if n != tc.n || gsm != tc.gsm {
				t.Errorf("Segments() = %d, %v; want %d, %v", n, gsm, tc.n, tc.gsm)
			}
		})
	}
}

func TestCompose(t *testing.T) {
	x, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("en el bar “La Noche” de Mazuko obligan a trabajar a chicas 🙏 ", 20)
	tests := []struct {
		name string
		tip  tip.Tip
		want []string
	}{
		{"a critical tip with a minor carries reference, urgency, category, minor, place, region, contact and how to confirm",
			tip.Tip{Ref: "K7Q3MX", Text: "hay niñas encerradas en el bar", Triage: tip.Triage{Urgency: tip.Critical, Category: tip.CategorySexual,
				Minor: true, Region: "PE-MDD", Place: "Mazuko"}},
			[]string{"K7Q3MX", "CRITICO", "explotacion sexual", "MENOR", "Mazuko (Madre de Dios)", "hay niñas encerradas", "Equipo +51900000999", "OK K7Q3MX"}},
		{"a long text with accents and emoji is cut to fit three GSM-7 segments",
			tip.Tip{Ref: "K7Q3MX", Text: long, Triage: tip.Triage{Urgency: tip.High, Category: tip.CategoryLabor}},
			[]string{"ALTO", "sin lugar indicado", "...\"", "OK K7Q3MX"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Compose(&tc.tip, "Equipo +51900000999")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Compose() = %q, want it to contain %q", got, w)
				}
			}
			n, gsm := alert.Segments(got)
			if n > alert.MaxSegments || !gsm {
				t.Errorf("Compose() takes %d segments, GSM-7 %v; want at most %d in GSM-7", n, gsm, alert.MaxSegments)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name   string
		triage tip.Triage
		want   map[string]int // authority → tier of its first contact
		rules  []string
	}{
		{"a region's rule puts its units at tier 1 and the national unit at tier 2",
			tip.Triage{Urgency: tip.Critical, Region: "PE-MDD"}, map[string]int{"fistrap-mdd": 1, "pnp-trata-mdd": 1, "dirctptim": 2}, []string{"region-mdd"}},
		{"a minor adds the child-protection unit",
			tip.Triage{Urgency: tip.High, Region: "PE-MDD", Minor: true}, map[string]int{"fistrap-mdd": 1, "pnp-trata-mdd": 1, "upe-mdd": 1, "dirctptim": 2}, []string{"minor-mdd", "region-mdd"}},
		{"a region without rules falls back", tip.Triage{Urgency: tip.High, Region: "PE-JUN"}, map[string]int{"dirctptim": 1}, []string{"fallback"}},
		{"no region uses the NONE rule", tip.Triage{Urgency: tip.High}, map[string]int{"dirctptim": 1}, []string{"fallback"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			targets, ruleIDs := alert.Plan(tc.triage, rules, authorities)
			got := map[string]int{}
			for _, tg := range targets {
				if _, ok := got[tg.AuthorityID]; !ok {
					got[tg.AuthorityID] = tg.Tier
				}
			}
			if len(got) != len(tc.want) || strings.Join(ruleIDs, ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("Plan() = %v by %v, want %v by %v", got, ruleIDs, tc.want, tc.rules)
			}
			for id, tier := range tc.want {
				if got[id] != tier {
					t.Errorf("Plan() = %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Run("an inactive authority is skipped", func(t *testing.T) {
		auths := append([]tip.Authority(nil), authorities...)
		auths[0].Active = false
		targets, _ := alert.Plan(tip.Triage{Urgency: tip.Critical, Region: "PE-MDD"}, rules, auths)
		for _, tg := range targets {
			if tg.AuthorityID == auths[0].ID {
				t.Errorf("Plan() routes to inactive %s", tg.AuthorityID)
			}
		}
	})
}

func TestParseAck(t *testing.T) {
	tests := map[string]string{"OK K7Q3MX": "K7Q3MX", "ok k7q3mx gracias": "K7Q3MX", "Recibido: K7Q3MX": "K7Q3MX",
		"ACK K7Q3MX": "K7Q3MX", "RECIBÍ K7Q3MX": "K7Q3MX", "hola": "", "OK": "", "ok gracias": ""}
	for body, want := range tests {
		t.Run("the acknowledgement "+body+" names "+want, func(t *testing.T) {
			if got := alert.ParseAck(body); got != want {
				t.Errorf("ParseAck(%q) = %q, want %q", body, got, want)
			}
		})
	}
}
