package triage

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"tipline/shared/tip"
)

// Paraphrase robustness: every critical and high message of the regression
// corpus and the held-out sets is rewritten mechanically, the way other
// people write the same thing (no accents, lower case, SMS abbreviations,
// no punctuation, another object pronoun, first instead of third person),
// and the decision must hold: a critical message stays critical when only
// its spelling changes (accents, case, abbreviations, punctuation), and no
// variant drops more than one level below the decision on the original.
// The rewrites are rules over words, not sentences, so the test is
// deterministic and covers every new message added to the sets.

// variant is one mechanical rewrite of a message.
type variant struct {
	name     string
	spelling bool // only the spelling changes: a critical decision must stay critical
	rewrite  func(string) string
}

var (
	reWord = regexp.MustCompile(`[\p{L}\p{M}]+`)
	// punctuation that cuts clauses, and line breaks, as SMS writers drop them
	rePunct = regexp.MustCompile(`[.,;:!?¡¿()"“”\n]+`)
	reSpace = regexp.MustCompile(`[ \t]+`)
)

// mapWords rewrites every word of s by f, keeping everything between words.
func mapWords(s string, f func(w string) string) string {
	return reWord.ReplaceAllStringFunc(s, f)
}

func stripAccents(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// smsWords are the abbreviations of Peruvian SMS writers (normalize.txt
// reads them back).
var smsWords = map[string]string{
	"que": "q", "por": "x", "de": "d", "para": "pa", "porque": "xq",
	"también": "tb", "tambien": "tb", "estoy": "toy", "favor": "fa",
	"hermana": "hna", "hermano": "hno", "mañana": "mnn",
}

func smsQ(s string) string {
	return mapWords(s, func(w string) string {
		if r, ok := smsWords[strings.ToLower(w)]; ok {
			return r
		}
		return w
	})
}

// smsK writes "que" as "k" and "qu" before e or i as "k" ("kiero", "aki").
func smsK(s string) string {
	return mapWords(s, func(w string) string {
		l := strings.ToLower(w)
		if l == "que" || l == "qué" {
			return "k"
		}
		l = strings.NewReplacer("que", "ke", "qué", "ké", "qui", "ki", "quí", "kí").Replace(l)
		return l
	})
}

func noPunct(s string) string {
	return strings.TrimSpace(reSpace.ReplaceAllString(rePunct.ReplaceAllString(s, " "), " "))
}

// verbStems start the verbs after which la/las/lo/los/le/me/nos are object
// pronouns (clitics), not articles: moving, holding, hurting, forcing,
// paying, letting.
var verbStems = []string{
	"llev", "sac", "saq", "sub", "embarc", "traslad", "traj", "tra", "recog", "recoj", "entreg",
	"vend", "encerr", "reten", "retien", "tien", "tení", "tenia", "tuv", "peg", "golpe", "amenaz",
	"oblig", "oblí", "ayud", "rescat", "dej", "quit", "pag", "mand", "hac", "hic", "explot", "obli",
	"va", "est", "sigu", "tiene", "quier", "encier", "cobr", "vigil", "cuid", "jal", "met", "pon",
	"busc", "persig", "mat",
}

func isVerbLike(w string) bool {
	l := strings.ToLower(stripAccents(w))
	for _, s := range verbStems {
		if strings.HasPrefix(l, stripAccents(s)) {
			return true
		}
	}
	return false
}

// swapBeforeVerb replaces a pronoun word by to[pronoun] when the next word
// is a verb of verbStems (so "la casa" and "La Pampa" stay).
func swapBeforeVerb(s string, to map[string]string) string {
	locs := reWord.FindAllStringIndex(s, -1)
	var b strings.Builder
	last := 0
	for i, l := range locs {
		w := s[l[0]:l[1]]
		r, ok := to[strings.ToLower(w)]
		if ok && i+1 < len(locs) && isVerbLike(s[locs[i+1][0]:locs[i+1][1]]) {
			b.WriteString(s[last:l[0]])
			b.WriteString(r)
			last = l[1]
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

// verbForms pairs the third person singular and plural (present and
// preterite) of the verbs that carry a report: moving people, holding,
// hurting, forcing, taking, paying, letting.
var verbForms = func() map[string]string {
	m := map[string]string{}
	pair := func(a, b string) { m[a], m[b] = b, a }
	for _, s := range []string{"llev", "embarc", "traslad", "peg", "golpe", "amenaz", "oblig", "quit",
		"dej", "cobr", "vigil", "explot", "maltrat", "mand", "jal", "pag", "encierr", "ayud", "rescat", "entreg"} {
		pair(s+"a", s+"an")
	}
	for _, s := range []string{"llev", "embarc", "traslad", "golpe", "amenaz", "quit", "dej", "cobr",
		"explot", "maltrat", "mand", "jal", "encerr", "entreg"} {
		pair(s+"ó", s+"aron")
	}
	for _, s := range []string{"sub", "met", "vend", "recog", "sac"} {
		pair(s+"e", s+"en")
	}
	pair("saca", "sacan")
	pair("sacó", "sacaron")
	pair("subió", "subieron")
	pair("tiene", "tienen")
	pair("trae", "traen")
	pair("trajo", "trajeron")
	pair("hace", "hacen")
	pair("sigue", "siguen")
	pair("va", "van")
	pair("está", "están")
	return m
}()

// firstToThird turns the victim's own words into a report about her.
var firstToThird = map[string]string{
	"estoy": "está", "toy": "está", "estamos": "están", "puedo": "puede", "podemos": "pueden",
	"tengo": "tiene", "tenemos": "tienen", "quiero": "quiere", "queremos": "quieren",
	"debo": "debe", "debemos": "deben", "trabajo": "trabaja", "trabajamos": "trabajan",
}

// progressive turns "las lleva" into "las está llevando": the move under way.
var progressive = map[string]string{
	"lleva": "está llevando", "llevan": "están llevando", "sube": "está subiendo", "suben": "están subiendo",
	"saca": "está sacando", "sacan": "están sacando", "embarca": "está embarcando", "embarcan": "están embarcando",
	"traslada": "está trasladando", "trasladan": "están trasladando", "mete": "está metiendo", "meten": "están metiendo",
}

// reDestFirst finds a verb of moving people, its person object and a
// destination after it ("sube a dos chicas a una lancha"), so the
// destination can come first ("sube a una lancha a dos chicas"), as
// Spanish allows.
var reDestFirst = regexp.MustCompile(`(?i)\b(sub\pL*|llev\pL*|embarc\pL*|met\pL*|mand\pL*|sac\pL*|traslad\pL*) ` +
	`(a (?:(?:la|las|los|el|una|unas|unos|mi|mis|su|sus|esa|esas|varias|varios|\d+|dos|tres|cuatro|cinco|seis) )?` +
	`(?:hija|hijas|hijo|hijos|herman\pL*|sobrin\pL*|chica|chicas|chico|chicos|muchach\pL*|jovencit\pL*|jóvenes|jovenes|señorit\pL*|mujer|mujeres|niñ\pL*|menor|menores|adolescentes?|chibol\pL*|chiquit\pL*))` +
	` ((?:a|al|hacia|en) (?:(?:la|el|una|un|su) )?(?:lancha|bote|bus|carro|combi|camioneta|camión|auto|taxi|mototaxi|barco|mina|bar|campamento|chacra|cantina))\b`)

// reDestFronted finds an object pronoun, a verb of moving people and a
// destination ("las sube a un carro"), so the destination can open the
// phrase ("a un carro las sube").
var reDestFronted = regexp.MustCompile(`(?i)\b(la|las|lo|los) (sub\pL*|llev\pL*|embarc\pL*|met\pL*|mand\pL*|sac\pL*|traslad\pL*) ` +
	`((?:a|al) (?:(?:la|el|una|un|su|los|las) )?(?:lancha|bote|bus|carro|combi|camioneta|camión|auto|taxi|mototaxi|barco|mina|bar|bares|campamento|chacra|cantina|Lima|Mazuko|La Pampa))\b`)

func destinationFirst(s string) string {
	return reDestFronted.ReplaceAllString(reDestFirst.ReplaceAllString(s, "$1 $3 $2"), "$3 $1 $2")
}

func wordTable(table map[string]string) func(string) string {
	return func(s string) string {
		return mapWords(s, func(w string) string {
			if r, ok := table[strings.ToLower(w)]; ok {
				return r
			}
			return w
		})
	}
}

var variants = []variant{
	{"sin tildes", true, stripAccents},
	{"minúsculas", true, strings.ToLower},
	{"abreviaturas q/x/d/pa", true, smsQ},
	{"abreviaturas k", true, smsK},
	{"sin puntuación", true, noPunct},
	{"sms completo", true, func(s string) string { return noPunct(smsQ(strings.ToLower(stripAccents(s)))) }},
	{"la↔las, lo↔los", false, func(s string) string {
		return swapBeforeVerb(s, map[string]string{"la": "las", "las": "la", "lo": "los", "los": "lo"})
	}},
	{"tercera → primera persona", false, func(s string) string {
		return swapBeforeVerb(s, map[string]string{"la": "me", "lo": "me", "le": "me", "las": "nos", "los": "nos", "les": "nos"})
	}},
	{"primera → tercera persona", false, func(s string) string {
		return wordTable(firstToThird)(swapBeforeVerb(s, map[string]string{"me": "la", "nos": "las"}))
	}},
	{"singular ↔ plural del verbo", false, wordTable(verbForms)},
	{"presente → progresivo", false, wordTable(progressive)},
	{"destino antes del objeto", false, destinationFirst},
	{"discurso referido", false, func(s string) string { return "me contaron que " + s }},
	{"discurso referido (dice)", false, func(s string) string { return "dice que " + s }},
}

var urgencyLevel = map[tip.Urgency]int{tip.Low: 0, tip.Medium: 1, tip.High: 2, tip.Critical: 3}

func TestParaphraseRobustness(t *testing.T) {
	e := mustEngine(t)
	sets := map[string][]Labelled{"corpus": readCorpus(t)}
	for _, p := range heldOutSets {
		sets[p] = readLabelled(t, p)
	}
	checked, dropped := map[string]int{}, map[string]int{}
	defer func() {
		for _, v := range variants {
			t.Logf("%-28s %4d rewrites, %3d one level lower", v.name, checked[v.name], dropped[v.name])
		}
	}()
	for _, name := range append([]string{"corpus"}, heldOutSets...) {
		for _, l := range sets[name] {
			if l.Labels.Urgency != "critical" && l.Labels.Urgency != "high" {
				continue
			}
			orig := e.Decide(l.Text).Urgency
			for _, v := range variants {
				text := v.rewrite(l.Text)
				if text == l.Text {
					continue
				}
				got := e.Decide(text)
				checked[v.name]++
				if urgencyLevel[got.Urgency] < urgencyLevel[orig] {
					dropped[v.name]++
					if testing.Verbose() && os.Getenv("TRIAGE_DUMP") != "" {
						t.Logf("%s %s [%s]: %s became %s\n  %s\n  %q", name, l.ID, v.name, orig, got.Urgency, text, got.Reasons)
					}
				}
				switch {
				case v.spelling && orig == tip.Critical && got.Urgency != tip.Critical:
					t.Errorf("%s %s [%s]: critical became %s\n  %s\n  %q", name, l.ID, v.name, got.Urgency, text, got.Reasons)
				case urgencyLevel[got.Urgency] < urgencyLevel[orig]-1:
					t.Errorf("%s %s [%s]: %s became %s\n  %s\n  %q", name, l.ID, v.name, orig, got.Urgency, text, got.Reasons)
				}
			}
		}
	}
}

// TestParaphraseVariants checks the rewrites themselves.
func TestParaphraseVariants(t *testing.T) {
	tests := []struct{ in, want string }{
		{stripAccents("Sáquenla, está aquí"), "Saquenla, esta aqui"},
		{smsQ("dice que no la dejan salir de la casa"), "dice q no la dejan salir d la casa"},
		{smsK("quiero que vengan aquí"), "kiero k vengan akí"},
		{noPunct("ayuda! está encerrada.\nvengan"), "ayuda está encerrada vengan"},
		{swapBeforeVerb("la lleva a La Pampa, la casa", map[string]string{"la": "las"}), "las lleva a La Pampa, la casa"},
		{swapBeforeVerb("no la dejan salir", map[string]string{"la": "me"}), "no me dejan salir"},
		{destinationFirst("un señor va a subir a 6 chibolos a una lancha a iquitos"), "un señor va a subir a una lancha a 6 chibolos a iquitos"},
		{destinationFirst("las lleva a la mina"), "a la mina las lleva"},
		{destinationFirst("una señora va a llevar a su hija al bar"), "una señora va a llevar al bar a su hija"},
	}
	for _, tt := range tests {
		if tt.in != tt.want {
			t.Errorf("got %q, want %q", tt.in, tt.want)
		}
	}
}
