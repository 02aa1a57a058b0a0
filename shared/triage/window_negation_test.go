package triage

import (
	"strings"
	"testing"
)

// TestNegationInsidePhrase checks that a negation word that belongs to a
// longer phrase (a threat "si no pago", a restriction "mana lluqsiyta
// atinchu") negates that phrase only, not the words right after it.
func TestNegationInsidePhrase(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name, text, reason string
		negated            bool
	}{
		{"a death threat after a conditional with no still counts",
			"dicen que si no pago me matan", "me matan", false},
		{"a Quechua plea after a negated restriction in one clause still counts",
			"cantinapi kachkani mana lluqsiyta atinchu yanapaway", "yanapaway", false},
		{"a plain negation still negates the words after it",
			"no me matan, solo me gritan", "me matan", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.analyse(tc.text)
			found := false
			for _, h := range a.hits {
				if strings.Trim(a.quote(h.start, h.end), `"`) != tc.reason || h.sig.role == roleNegation {
					continue
				}
				found = true
				if h.negated != tc.negated {
					t.Errorf("%q in %q: negated %v, want %v", tc.reason, tc.text, h.negated, tc.negated)
				}
			}
			if !found {
				t.Errorf("%q: no hit on %q; hits %s", tc.text, tc.reason, hitNames(a))
			}
		})
	}
}

func hitNames(a *analysis) string {
	var b strings.Builder
	for _, h := range a.hits {
		b.WriteString(h.sig.name + ":" + a.quote(h.start, h.end) + " ")
	}
	return b.String()
}
