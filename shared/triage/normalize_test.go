package triage

import (
	"strings"
	"testing"

	"tipline/shared/tip"
)

func TestNormalisation(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name, text, want string // want: token norms joined by spaces
	}{
		{"accents and case are folded", "Niña ÁREA Próceres", "nina area proceres"},
		{"SMS abbreviations expand", "x fa q xq tb d pa toy", "por favor que porque tambien de para estoy"},
		{"xfa is two words", "xfa", "por favor"},
		{"runs of three or more letters shrink", "ayudaaaa holaaa", "ayuda hola"},
		{"number words become digits", "quince años, catorce, dieciséis", "15 anos 14 16"},
		{"digits glued to letters split", "15años 5am 2mil", "15 anos 5 am 2 mil"},
		{"emoji and punctuation are dropped", "ayuda 🙏😢!!", "ayuda"},
		{"Quechua apostrophes join the word", "yanapt'ita", "yanaptita"},
		{"English contractions", "she'll keep", "she will keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range e.lx.tokens(tt.text) {
				got = append(got, tok.norm)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("tokens(%q) = %q, want %q", tt.text, g, tt.want)
			}
		})
	}
}

func TestPhoneticKeyJoinsSpellings(t *testing.T) {
	tests := []struct{ a, b string }{
		{"quitaron", "kitaron"},
		{"mazuco", "mazuko"},
		{"huanchac", "wanchaq"},
		{"chica", "chika"},
		{"prostibar", "prostivar"},
		{"adolescente", "adolecente"},
		{"llevan", "yevan"},
		{"encerrada", "encerada"},
	}
	for _, tt := range tests {
		if ka, kb := phoneticKey(tt.a), phoneticKey(tt.b); ka != kb {
			t.Errorf("phoneticKey(%q) = %q, phoneticKey(%q) = %q, want equal", tt.a, ka, tt.b, kb)
		}
	}
}

func TestClausesSplitAtSentencesNotAbbreviations(t *testing.T) {
	e := mustEngine(t)
	toks := e.lx.tokens("en la av. Próceres. No me dejan salir\nayuda")
	got := map[string]int{}
	for _, tok := range toks {
		got[tok.norm] = tok.clause
	}
	if got["avenida"] != got["proceres"] {
		t.Errorf("\"av.\" ended a clause: avenida in %d, proceres in %d", got["avenida"], got["proceres"])
	}
	if got["proceres"] == got["no"] || got["salir"] == got["ayuda"] {
		t.Errorf("sentence or line break did not end a clause: %v", got)
	}
}

func TestEditDistance1(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"maldonado", "maldonao", true},  // deletion
		{"rinconada", "rinconda", true},  // deletion
		{"huepetuhe", "huepetuje", true}, // substitution
		{"iquitos", "iqiutos", true},     // transposition
		{"juliaca", "juliaca", true},
		{"juliaca", "julaica", true},
		{"cusco", "lima", false},
		{"secocha", "sekochaa", false},
	}
	for _, tt := range tests {
		if got := editDistance1(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance1(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCliticPrefix checks "stem*+": a verb form with an object pronoun glued
// to its end, in any mood, with or without accents.
func TestCliticPrefix(t *testing.T) {
	e := mustEngine(t)
	elems, err := e.lx.compilePattern("llev*+", 6)
	if err != nil {
		t.Fatal(err)
	}
	for word, want := range map[string]bool{
		"llevarla": true, "llevándolas": true, "llévensela": true, "llevarnos": true, "llevarme": true,
		"lleva": false, "llevaron": false, "llevamos": false, "llevas": false, "llevo": false,
	} {
		toks := e.lx.tokens(word)
		if got := e.m.match(elems, toks, 0, toks[0].clause) > 0; got != want {
			t.Errorf("llev*+ on %q = %v, want %v", word, got, want)
		}
	}
	if _, err := e.lx.compilePattern("lleva+", 6); err == nil {
		t.Error(`"lleva+" (no prefix) compiled, want an error`)
	}
}

func TestFoldOfSpanishLettersIsStripAccents(t *testing.T) {
	for _, w := range []string{"Niña", "añitos", "AYÚDENME", "pingüino", "Cuscopi", "llévensela", "😢ayuda", "çà", "Jesús María"} {
		if got, want := fold(w), strings.ToLower(tip.StripAccents(w)); got != want {
			t.Errorf("fold(%q) = %q, want %q", w, got, want)
		}
	}
}
