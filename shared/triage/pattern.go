package triage

import (
	"fmt"
	"strings"
)

// Pattern syntax (one per line in a lexicon file), written in plain words:
//
//	no me dejan salir        words in sequence, inside one clause
//	encerr*                  a word starting with "encerr"
//	llev*+                   a word starting with "llev" with an object
//	                         pronoun glued at its end (llevarla, llevándolas,
//	                         súbanla, llévensela, ayúdenme)
//	(dni|pasaporte|papeles)  one of several words or phrases (a|b c)
//	(me|la|le)?              an optional word
//	quit* ... dni            "..." skips up to four words of the same clause
//	=cansado                 "=" turns off tolerant (edit distance 1) matching
//	<num> <year>             any number; a year from 1950 to 2099
//
// Every word goes through the same normalisation as messages (accents,
// abbreviations, number words, phonetic key), so "kitaron" and "quitaron"
// are the same entry and "quince" is the number 15. A literal word also
// matches its plural (+s, +es). Long words (7+ letters after folding) match
// with one typo unless marked "=". Plurals apply to words of 3+ letters
// ("no" does not match "nos").

const maxGap = 4

type altKind int

const (
	altWord altKind = iota
	altPrefix
	altNum
	altYear
)

type alt struct {
	kind   altKind
	key    string
	fuzzy  bool
	clitic bool // altPrefix: the word must end in an object pronoun (llevarla)
}

// enclitics are the object pronouns Spanish glues to an infinitive, a
// gerund or an imperative ("llevarla", "sáquenme", "llévensela").
var enclitics = []string{"la", "las", "lo", "los", "le", "les", "me", "nos", "se"}

// hasEnclitic reports whether the folded word w ends in an object pronoun
// after at least rest letters of verb ending.
func hasEnclitic(w string, stem int) bool {
	for _, c := range enclitics {
		if len(w) >= stem+1+len(c) && strings.HasSuffix(w, c) {
			return true
		}
	}
	return false
}

type elem struct {
	seqs     [][]alt // alternatives, each a sequence of words
	gap      bool
	optional bool
}

type pattern struct {
	sig   *signal
	elems []elem
	text  string
	where string // file:line, for errors
}

// fields splits a pattern at spaces, keeping "( ... )" groups whole.
func fields(text string) ([]string, error) {
	var out []string
	depth, start := 0, -1
	for i, r := range text {
		switch {
		case r == '(':
			if depth > 0 {
				return nil, fmt.Errorf("pattern %q: nested brackets", text)
			}
			depth++
			if start < 0 {
				start = i
			}
		case r == ')':
			if depth == 0 {
				return nil, fmt.Errorf("pattern %q: unbalanced brackets", text)
			}
			depth--
		case r == ' ' || r == '\t':
			if depth == 0 && start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("pattern %q: unbalanced brackets", text)
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out, nil
}

func (lx *lexer) compilePattern(text string, fuzzyMin int) ([]elem, error) {
	fs, err := fields(text)
	if err != nil {
		return nil, err
	}
	var elems []elem
	for _, f := range fs {
		if f == "..." {
			if len(elems) == 0 {
				return nil, fmt.Errorf("pattern %q starts with ...", text)
			}
			elems = append(elems, elem{gap: true})
			continue
		}
		optional := false
		if strings.HasSuffix(f, "?") {
			optional, f = true, strings.TrimSuffix(f, "?")
		}
		group := strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")")
		if group {
			f = f[1 : len(f)-1]
		}
		var seqs [][]alt
		for _, a := range strings.Split(f, "|") {
			a = strings.TrimSpace(a)
			if a == "" {
				return nil, fmt.Errorf("pattern %q has an empty alternative", text)
			}
			var seq []alt
			for _, w := range strings.Fields(a) {
				ws, err := lx.compileWord(text, w, fuzzyMin)
				if err != nil {
					return nil, err
				}
				seq = append(seq, ws...)
			}
			seqs = append(seqs, seq)
		}
		if !group && len(seqs) > 1 {
			return nil, fmt.Errorf("pattern %q: alternatives need brackets", text)
		}
		if !group && len(seqs[0]) > 1 && !optional {
			// a word that expands into several ("xfa" → "por favor"): one element each
			for _, a := range seqs[0] {
				elems = append(elems, elem{seqs: [][]alt{{a}}})
			}
			continue
		}
		elems = append(elems, elem{seqs: seqs, optional: optional})
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("empty pattern")
	}
	if elems[len(elems)-1].gap {
		return nil, fmt.Errorf("pattern %q ends with ...", text)
	}
	allOptional := true
	for _, e := range elems {
		if !e.optional && !e.gap {
			allOptional = false
		}
	}
	if allOptional {
		return nil, fmt.Errorf("pattern %q: every word is optional", text)
	}
	return elems, nil
}

// compileWord compiles one word of a pattern; abbreviations may expand it
// into several words.
func (lx *lexer) compileWord(text, a string, fuzzyMin int) ([]alt, error) {
	switch a {
	case "<num>":
		return []alt{{kind: altNum}}, nil
	case "<year>":
		return []alt{{kind: altYear}}, nil
	}
	exact := strings.HasPrefix(a, "=")
	a = strings.TrimPrefix(a, "=")
	clitic := strings.HasSuffix(a, "*+")
	if clitic {
		a = strings.TrimSuffix(a, "+")
	}
	prefix := strings.HasSuffix(a, "*")
	a = strings.TrimSuffix(a, "*")
	if strings.ContainsAny(a, "()|*=<>?+") {
		return nil, fmt.Errorf("pattern %q: bad word %q", text, a)
	}
	keys := lx.words(a)
	if len(keys) == 0 {
		return nil, fmt.Errorf("pattern %q: word %q is empty after normalisation", text, a)
	}
	if prefix {
		if len(keys) != 1 {
			return nil, fmt.Errorf("pattern %q: prefix %q must be one word", text, a)
		}
		f := fold(a)
		if strings.ContainsAny(f[len(f)-1:], "cgqhy") {
			return nil, fmt.Errorf("pattern %q: prefix %q ends in a letter whose spelling depends on the next one (c, g, q, h, y); cut it one letter earlier or later", text, a)
		}
		if len(keys[0]) < 3 {
			return nil, fmt.Errorf("pattern %q: prefix %q is too short (3 letters at least)", text, a)
		}
		return []alt{{kind: altPrefix, key: keys[0], clitic: clitic}}, nil
	}
	out := make([]alt, 0, len(keys))
	for _, k := range keys {
		out = append(out, alt{kind: altWord, key: k, fuzzy: !exact && len(k) >= fuzzyMin})
	}
	return out, nil
}

// matcher holds what tolerant matching needs: the set of words the engine
// knows exactly (a known word is never read as a typo of another one).
type matcher struct {
	known    map[string]bool
	prefixes []string // prefix entries: a word they match is not a typo either
}

func (m *matcher) isKnown(k string) bool {
	if m.known[k] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func (m *matcher) altMatches(a alt, t *token) bool {
	switch a.kind {
	case altNum:
		return t.num >= 0
	case altYear:
		return t.num >= 1950 && t.num <= 2099
	case altPrefix:
		return strings.HasPrefix(t.key, a.key) && (!a.clitic || hasEnclitic(t.norm, len(a.key)))
	}
	k := t.key
	if k == a.key {
		return true
	}
	if t.stem != "" && t.stem == a.key {
		return true // Quechua case ending: "Maldonadopi" is "Maldonado"
	}
	if t.num < 0 && len(a.key) >= 3 && len(k) > len(a.key) && len(k) <= len(a.key)+2 && strings.HasPrefix(k, a.key) {
		if rest := k[len(a.key):]; rest == "s" || rest == "es" {
			return true // plural
		}
	}
	if a.fuzzy && t.num < 0 {
		d := len(k) - len(a.key)
		if d >= -1 && d <= 1 && editDistance1(k, a.key) && !m.isKnown(k) {
			return true
		}
	}
	return false
}

// seqMatches returns the end of seq matched at token i in clause, or -1.
func (m *matcher) seqMatches(seq []alt, toks []token, i, clause int) int {
	for _, a := range seq {
		if i >= len(toks) || toks[i].clause != clause || !m.altMatches(a, &toks[i]) {
			return -1
		}
		i++
	}
	return i
}

// match returns the end (exclusive) of a match of elems starting at token i,
// within one clause, or -1.
func (m *matcher) match(elems []elem, toks []token, i, clause int) int {
	if len(elems) == 0 {
		return i
	}
	e := &elems[0]
	if e.gap {
		for k := 0; k <= maxGap; k++ {
			j := i + k
			if j > len(toks) || (k > 0 && toks[j-1].clause != clause) {
				break
			}
			if end := m.match(elems[1:], toks, j, clause); end >= 0 {
				return end
			}
		}
		return -1
	}
	for _, seq := range e.seqs {
		if j := m.seqMatches(seq, toks, i, clause); j >= 0 {
			if end := m.match(elems[1:], toks, j, clause); end >= 0 {
				return end
			}
		}
	}
	if e.optional {
		return m.match(elems[1:], toks, i, clause)
	}
	return -1
}

// editDistance1 reports whether a and b are at most one edit apart
// (insertion, deletion, substitution or transposition of neighbours).
func editDistance1(a, b string) bool {
	if a == b {
		return true
	}
	la, lb := len(a), len(b)
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	if lb-la > 1 {
		return false
	}
	i := 0
	for i < la && a[i] == b[i] {
		i++
	}
	if la == lb {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // transposition
	}
	return a[i:] == b[i+1:] // insertion
}
