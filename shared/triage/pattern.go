package triage

import (
	"fmt"
	"slices"
	"strconv"
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
//	vend* ...6 nina          "...N" skips up to N words (1 to 10), in order
//	vend* ~5 (nina|bebe)     "~N": the two sides within N words (0 to 10)
//	                         of each other in either order, in one clause
//	                         ("vende a su bebé", "a su bebé la vende");
//	                         a chain "A ~N B ~M C" puts each side near the
//	                         one before it
//	=cansado                 "=" turns off tolerant (edit distance 1) matching
//	<num> <year>             any number; a year from 1950 to 2099
//
// Every word goes through the same normalisation as messages (accents,
// abbreviations, number words, phonetic key), so "kitaron" and "quitaron"
// are the same entry and "quince" is the number 15. A literal word also
// matches its plural (+s, +es). Long words (7+ letters after folding) match
// with one typo unless marked "=". Plurals apply to words of 3+ letters
// ("no" does not match "nos").

// maxGap is how many words "..." skips; maxSpan bounds "...N" and "~N".
const (
	maxGap  = 4
	maxSpan = 10
)

type altKind uint8

const (
	altWord altKind = iota
	altPrefix
	altNum
	altYear
)

type alt struct {
	key    string
	id     int32 // altWord: the vocabulary id of key (lexer.intern)
	head   int32 // altPrefix: the id of its first three letters (lexer.head)
	kind   altKind
	fuzzy  bool
	clitic bool // altPrefix: the word must end in an object pronoun (llevarla)
}

// hasEnclitic reports whether the folded word w ends in an object pronoun
// (an enclitic of data/morphology.txt) after at least stem letters.
func (mo *morphology) hasEnclitic(w string, stem int) bool {
	for _, c := range mo.enclitics {
		if len(w) >= stem+1+len(c) && strings.HasSuffix(w, c) {
			return true
		}
	}
	return false
}

type elem struct {
	seqs     [][]alt // alternatives, each a sequence of words
	gap      int     // > 0: "..." skips up to gap words
	near     int     // > 0: "~N", N+1: the next part within N words, either side
	optional bool
	steps    []step // the alternatives as the matcher tries them (compileSteps)
}

// step is what the matcher tries in turn at a token for one element: a
// sequence of two or more words, or a run of one-word alternatives.
// Alternatives of one word all end on the next token, so the order among
// those of a run does not change a match, and a run answers at once: its
// exact words by id, the others (tolerant words, prefixes, numbers) in
// turn.
type step struct {
	seq   []alt   // a sequence of words; nil for a run
	words []int32 // run: vocabulary ids of its exact words, sorted
	loose []alt   // run: its other alternatives
}

// compileSteps gives every element its steps: the alternatives in the
// order of the lexicon, with the one-word alternatives next to each other
// in one run. A group of four or more alternatives tries its exact words
// first, so that a group of forty words costs one look-up, not forty
// comparisons.
func compileSteps(elems []elem) {
	for i := range elems {
		e := &elems[i]
		order := e.seqs
		if len(e.seqs) >= 4 {
			order = nil
			for _, seq := range e.seqs {
				if exactWord(seq) {
					order = append(order, seq)
				}
			}
			for _, seq := range e.seqs {
				if !exactWord(seq) {
					order = append(order, seq)
				}
			}
		}
		e.steps = nil
		for _, seq := range order {
			if len(seq) > 1 {
				e.steps = append(e.steps, step{seq: seq})
				continue
			}
			if len(e.steps) == 0 || e.steps[len(e.steps)-1].seq != nil {
				e.steps = append(e.steps, step{})
			}
			run := &e.steps[len(e.steps)-1]
			if exactWord(seq) {
				run.words = append(run.words, seq[0].id)
			} else {
				run.loose = append(run.loose, seq[0])
			}
		}
		for k := range e.steps {
			slices.Sort(e.steps[k].words)
			e.steps[k].words = slices.Compact(e.steps[k].words)
		}
	}
}

// exactWord reports whether an alternative is one exact (not tolerant) word.
func exactWord(seq []alt) bool {
	return len(seq) == 1 && seq[0].kind == altWord && !seq[0].fuzzy
}

// runMatches reports whether one of the one-word alternatives of run
// matches token t.
func (m *matcher) runMatches(run *step, t *token) bool {
	if wordIn(run.words, t) {
		return true
	}
	for k := range run.loose {
		a := &run.loose[k]
		if a.kind == altPrefix && a.head != t.head {
			continue // a prefix shares the token's first three letters, or does not match
		}
		if m.altMatches(a, t) {
			return true
		}
	}
	return false
}

// wordIn reports whether token t matches one of the exact one-word
// alternatives: the same key, a Quechua stem, or a plural in -s or -es
// (the rules of altMatches for words).
func wordIn(words []int32, t *token) bool {
	if hasID(words, t.id) || hasID(words, t.stemID) {
		return true
	}
	if t.num >= 0 {
		return false
	}
	n := len(t.key)
	return n >= 4 && hasID(words, t.p1) || n >= 5 && hasID(words, t.p2)
}

// hasID reports whether the sorted ids hold id (never -1, "no word").
func hasID(ids []int32, id int32) bool {
	if id < 0 {
		return false
	}
	if len(ids) <= 8 {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(ids, id)
	return ok
}

// nearPart is a part of a pattern after "~N": it must match within dist
// words of the part before it, before or after it, in the same clause.
type nearPart struct {
	dist  int
	elems []elem
}

type pattern struct {
	sig   *signal
	elems []elem     // the first part (the whole pattern without "~N")
	near  []nearPart // the parts after each "~N"
	text  string
	where string // file:line, for errors
}

// splitNear cuts compiled elements at their "~N" markers: the first part,
// then each later part with its distance.
func splitNear(elems []elem) ([]elem, []nearPart) {
	var first []elem
	var rest []nearPart
	cur := &first
	for _, e := range elems {
		if e.near > 0 {
			rest = append(rest, nearPart{dist: e.near - 1})
			cur = &rest[len(rest)-1].elems
			continue
		}
		*cur = append(*cur, e)
	}
	return first, rest
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
		if strings.HasPrefix(f, "...") || strings.HasPrefix(f, "~") {
			el, err := compileOperator(text, f, elems)
			if err != nil {
				return nil, err
			}
			elems = append(elems, el)
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
	if last := elems[len(elems)-1]; last.gap > 0 || last.near > 0 {
		return nil, fmt.Errorf("pattern %q ends with an operator", text)
	}
	if err := checkParts(text, elems); err != nil {
		return nil, err
	}
	compileSteps(elems)
	return elems, nil
}

// compileOperator reads a "...N" gap or a "~N" proximity operator after
// the elements compiled so far.
func compileOperator(text, f string, elems []elem) (elem, error) {
	near := strings.HasPrefix(f, "~")
	op, num := f[:1], f[1:]
	if !near {
		op, num = "...", f[3:]
	}
	n := maxGap
	if num != "" || near {
		v, err := strconv.Atoi(num)
		if err != nil || v < 0 || v > maxSpan || (!near && v == 0) {
			return elem{}, fmt.Errorf("pattern %q: %q wants a number of words from %d to %d after %s", text, f, map[bool]int{true: 0, false: 1}[near], maxSpan, op)
		}
		n = v
	}
	if len(elems) == 0 || elems[len(elems)-1].gap > 0 || elems[len(elems)-1].near > 0 {
		return elem{}, fmt.Errorf("pattern %q: %s needs words before it", text, f)
	}
	if near {
		return elem{near: n + 1}, nil
	}
	return elem{gap: n}, nil
}

// checkParts checks that each part (the words between "~N" operators) has
// a word that is not optional, and that a gap neither starts nor ends a
// part.
func checkParts(text string, elems []elem) error {
	first, rest := splitNear(elems)
	parts := [][]elem{first}
	for _, r := range rest {
		parts = append(parts, r.elems)
	}
	for _, part := range parts {
		allOptional := true
		for _, e := range part {
			if !e.optional && e.gap == 0 {
				allOptional = false
			}
		}
		if allOptional {
			return fmt.Errorf("pattern %q: every word of a part is optional", text)
		}
		if part[0].gap > 0 || part[len(part)-1].gap > 0 {
			return fmt.Errorf("pattern %q: ... beside ~", text)
		}
	}
	return nil
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
		return []alt{{kind: altPrefix, key: keys[0], head: lx.head(keys[0][:3]), clitic: clitic}}, nil
	}
	out := make([]alt, 0, len(keys))
	for _, k := range keys {
		out = append(out, alt{kind: altWord, key: k, id: lx.intern(k), fuzzy: !exact && len(k) >= fuzzyMin})
	}
	return out, nil
}

// matcher holds what tolerant matching needs: the set of words the engine
// knows exactly (a known word is never read as a typo of another one).
type matcher struct {
	known    map[string]bool
	prefixes map[string][]string // prefix entries by their first three letters: a word they match is not a typo either
	morph    *morphology
}

func (m *matcher) isKnown(k string) bool {
	if m.known[k] {
		return true
	}
	if len(k) < 3 {
		return false // prefix entries have three letters at least
	}
	for _, p := range m.prefixes[k[:3]] {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func (m *matcher) altMatches(a *alt, t *token) bool {
	switch a.kind {
	case altNum:
		return t.num >= 0
	case altYear:
		return t.num >= 1950 && t.num <= 2099
	case altPrefix:
		return strings.HasPrefix(t.key, a.key) && (!a.clitic || m.morph.hasEnclitic(t.norm, len(a.key)))
	}
	if t.id == a.id || t.stemID == a.id {
		return true // the same word, or a Quechua case ending: "Maldonadopi" is "Maldonado"
	}
	k := t.key
	if t.num < 0 && (t.p1 == a.id && len(k) >= 4 || t.p2 == a.id && len(k) >= 5) {
		return true // plural: key + "s" (3 letters at least) or key + "es"
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
	for k := range seq {
		if i >= len(toks) || toks[i].clause != clause || !m.altMatches(&seq[k], &toks[i]) {
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
	if e.gap > 0 {
		for k := 0; k <= e.gap; k++ {
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
	if i < len(toks) && toks[i].clause == clause {
		for k := range e.steps {
			st := &e.steps[k]
			j := -1
			if st.seq != nil {
				j = m.seqMatches(st.seq, toks, i, clause)
			} else if m.runMatches(st, &toks[i]) {
				j = i + 1
			}
			if j >= 0 {
				if end := m.match(elems[1:], toks, j, clause); end >= 0 {
					return end
				}
			}
		}
	}
	if e.optional {
		return m.match(elems[1:], toks, i, clause)
	}
	return -1
}

// matchPattern returns the token range of a match of p anchored at token i
// (where its first part starts), within one clause, or -1, -1. Each part
// after a "~N" is looked for at most N words from the part before it, on
// either side and not overlapping it, nearest first.
func (m *matcher) matchPattern(p *pattern, toks []token, i, clause int) (int, int) {
	end := m.match(p.elems, toks, i, clause)
	if end < 0 {
		return -1, -1
	}
	start := i
	prevStart, prevEnd := i, end
	for _, np := range p.near {
		s, e := m.matchNear(np, toks, prevStart, prevEnd, clause)
		if s < 0 {
			return -1, -1
		}
		prevStart, prevEnd = s, e
		start, end = min(start, s), max(end, e)
	}
	return start, end
}

// matchNear finds np within np.dist words of the token range [ps, pe),
// nearest first, after it before before it at the same distance.
func (m *matcher) matchNear(np nearPart, toks []token, ps, pe, clause int) (int, int) {
	for d := 0; d <= np.dist; d++ {
		if s := pe + d; s < len(toks) && toks[s].clause == clause {
			if e := m.match(np.elems, toks, s, clause); e >= 0 {
				return s, e
			}
		}
		// Before: a part ending d words before ps; a part is a few words
		// long, so look back no further than maxSpan words more.
		for s := ps - 1 - d; s >= 0 && s >= ps-1-d-maxSpan && toks[s].clause == clause; s-- {
			if e := m.match(np.elems, toks, s, clause); e >= 0 && e == ps-d {
				return s, e
			}
		}
	}
	return -1, -1
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
