package triage

import "testing"

// TestProximity checks "A ~N B" (either order, at most N words between,
// one clause), chains of it, and "...N" (in order, at most N words).
func TestProximity(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		pattern, text string
		want          string // the matched words, "" for no match
	}{
		{"(subiendo|suben) ~6 a (unos|unas)? (ninos|chicas)", "están subiendo a unos niños", "subiendo a unos niños"},
		{"(subiendo|suben) ~6 a (unos|unas)? (ninos|chicas)", "están subiendo a una lancha a unos niños", "subiendo a una lancha a unos niños"},
		{"(subiendo|suben) ~6 a (unos|unas)? (ninos|chicas)", "a unos niños los suben", "a unos niños los suben"},
		{"(subiendo|suben) ~2 a (unos|unas)? (ninos|chicas)", "están subiendo a una lancha grande a unos niños", ""},
		{"(subiendo|suben) ~6 a (unos|unas)? (ninos|chicas)", "están subiendo a una lancha, a unos niños", ""}, // another clause
		{"(vend*|compr*) ~0 (nina|bebe)", "compró niña", "compró niña"},
		{"(vend*|compr*) ~0 (nina|bebe)", "a la niña la vendieron", ""},
		{"nina ~3 (la|lo) (vend*|compr*)", "a la niña la vendieron", "niña la vendieron"},
		{"(la|los) compr* ~5 a (sus|su) (papas|padres)", "un señor que se los compró a sus papás", "los compró a sus papás"},
		{"(la|los) compr* ~5 a (sus|su) (papas|padres)", "a sus papás se la compró", "a sus papás se la compró"},
		{"(salen|sale) ~4 de noche ~10 (vuelven|regresan) ~3 de madrugada", "salen de noche en una camioneta y regresan de madrugada", "salen de noche en una camioneta y regresan de madrugada"},
		{"(salen|sale) ~4 de noche ~10 (vuelven|regresan) ~3 de madrugada", "de noche salen y de madrugada vuelven", "de noche salen y de madrugada vuelven"},
		{"(salen|sale) ~4 de noche ~10 (vuelven|regresan) ~3 de madrugada", "salen de noche y no vuelven", ""},
		{"llev* ...6 a (mi|su)? (hijo|hija)", "se llevan hoy a la mina a mi hijo", "llevan hoy a la mina a mi hijo"},
		{"llev* ...6 a (mi|su)? (hijo|hija)", "a mi hijo se lo llevan", ""}, // in order only
		{"llev* ...2 a (mi|su)? (hijo|hija)", "se llevan hoy a la mina a mi hijo", ""},
	}
	for _, tt := range tests {
		elems, err := e.lx.compilePattern(tt.pattern, 7)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		first, near := splitNear(elems)
		p := &pattern{elems: first, near: near}
		toks := e.lx.tokens(tt.text)
		got := ""
		for i := range toks {
			if s, end := e.m.matchPattern(p, toks, i, toks[i].clause); end > s {
				got = joinNorm(toks[s:end])
				break
			}
		}
		want := joinNorm(e.lx.tokens(tt.want))
		if got != want {
			t.Errorf("%q on %q matched %q, want %q", tt.pattern, tt.text, got, want)
		}
	}
}

func joinNorm(toks []token) string {
	s := ""
	for i, t := range toks {
		if i > 0 {
			s += " "
		}
		s += t.norm
	}
	return s
}

// TestProximitySyntax checks that malformed operators name the problem.
func TestProximitySyntax(t *testing.T) {
	e := mustEngine(t)
	for _, bad := range []string{"~3 nina", "nina ~3", "vend* ~x nina", "vend* ~11 nina", "vend* ~3 ~3 nina",
		"vend* ...0 nina", "vend* ...11 nina", "vend* ~2 (la)? nina? ", "vend* ... ~2 nina", "vend* ~2 ... nina"} {
		if _, err := e.lx.compilePattern(bad, 7); err == nil {
			t.Errorf("%q compiled, want an error", bad)
		}
	}
	for _, good := range []string{"vend* ~0 nina", "vend* ~10 nina", "vend* ...10 nina", "a ~2 b ~3 c", "quit* ... dni"} {
		if _, err := e.lx.compilePattern(good, 7); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}
