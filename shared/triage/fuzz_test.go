package triage_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"tipline/shared/tip"
	"tipline/shared/triage"
)

// FuzzDecide feeds any text to the engine: it never panics, its decision
// is well formed and the same every time, and reportable means critical
// or high.
func FuzzDecide(f *testing.F) {
	for _, s := range []string{
		"", "hola", "Auxilio, en un bar de La Pampa km 108 tienen encerradas a dos chicas de 15 años",
		"me quitaron mi DNI y no me pagan", "STOP", "ahorita la están golpeando, ayuda",
		"wawakunata llamk'achichkanku", "\xff\xfe\x00", strings.Repeat("menor ", 3000), "niña de 9 años en cusco ❤️ 🙏",
	} {
		f.Add(s)
	}
	e, err := triage.New()
	if err != nil {
		f.Fatal(err)
	}
	categories := []string{tip.CategorySexual, tip.CategoryLabor, tip.CategoryOther, tip.CategoryUnknown, tip.CategoryNone}
	f.Fuzz(func(t *testing.T, text string) {
		d := e.Decide(text)
		if !d.Urgency.Valid() || d.Urgency == "" {
			t.Fatalf("Decide(%q) urgency %q", text, d.Urgency)
		}
		if d.Reportable != (d.Urgency == tip.Critical || d.Urgency == tip.High) {
			t.Fatalf("Decide(%q): reportable %v with urgency %s", text, d.Reportable, d.Urgency)
		}
		if !contains(categories, d.Category) {
			t.Fatalf("Decide(%q) category %q", text, d.Category)
		}
		if d.Region != "" && !strings.HasPrefix(d.Region, "PE-") {
			t.Fatalf("Decide(%q) region %q", text, d.Region)
		}
		for _, s := range append(append([]string{d.Place}, d.Reasons...), d.Indicators...) {
			if !utf8.ValidString(s) {
				t.Fatalf("Decide(%q) output %q is not valid UTF-8", text, s)
			}
		}
		if again := e.Decide(text); !reflect.DeepEqual(again, d) {
			t.Fatalf("Decide(%q) is not deterministic:\n%+v\n%+v", text, d, again)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
