package triage

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tipline/shared/tip"
)

// token is one word of a message after normalisation. A raw word can expand
// into several tokens ("xfa" → "por" "favor"); they share the raw span.
type token struct {
	raw    string // the word as written, for reasons
	start  int    // byte offset of raw in the text
	end    int
	norm   string // folded, de-abbreviated form ("kiero" stays, "q" → "que")
	key    string // phonetic key used for matching ("quiero" and "kiero" → "kiero")
	num    int    // value of a number token, -1 otherwise
	clause int    // index of the clause (sentence or line) the token is in
	stem   string // key without a Quechua case ending (-pi, -man, -manta, -kama), or ""
	// Vocabulary ids (lexer.vocab) of key, stem, and key without a final
	// "s" or "es", or -1: the matcher compares them instead of strings.
	id, stemID, p1, p2 int32
	head               int32   // lexer.heads id of the key's first three letters, or -1
	fuzzy              []int32 // ids of the typo-tolerant index keys it may match (lexer.fuzzy)
}

// fold strips accents and lower-cases.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if f, ok := foldSpanish(s); ok {
				return f
			}
			return strings.ToLower(tip.StripAccents(s))
		}
	}
	return strings.ToLower(s) // plain ASCII has no accents to strip
}

// spanishLetters fold the accented letters of Spanish, Quechua and Aymara
// writing the way StripAccents does, without building a transformer.
var spanishLetters = map[rune]rune{
	'á': 'a', 'é': 'e', 'í': 'i', 'ó': 'o', 'ú': 'u', 'ü': 'u', 'ñ': 'n', 'à': 'a', 'è': 'e', 'ì': 'i', 'ò': 'o', 'ù': 'u',
	'Á': 'a', 'É': 'e', 'Í': 'i', 'Ó': 'o', 'Ú': 'u', 'Ü': 'u', 'Ñ': 'n', 'À': 'a', 'È': 'e', 'Ì': 'i', 'Ò': 'o', 'Ù': 'u',
}

// foldSpanish folds s when its only letters beyond ASCII are those of
// spanishLetters; ok is false otherwise (emoji, other scripts).
func foldSpanish(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(unicode.ToLower(r))
		case spanishLetters[r] != 0:
			b.WriteRune(spanishLetters[r])
		default:
			return "", false
		}
	}
	return b.String(), true
}

// collapseRuns shortens runs of three or more identical letters to one
// ("ayudaaaa" → "ayuda", "noooo" → "no"); doubled letters stay (they are
// handled by the phonetic key).
func collapseRuns(s string) string {
	if !hasRun(s) {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		n := j - i
		if n >= 3 && unicode.IsLetter(rs[i]) {
			n = 1
		}
		for k := 0; k < n; k++ {
			b.WriteRune(rs[i])
		}
		i = j
	}
	return b.String()
}

// hasRun reports whether s may hold a run of three identical letters:
// plain ASCII without three equal bytes in a row has none.
func hasRun(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || i >= 2 && s[i] == s[i-1] && s[i] == s[i-2] {
			return true
		}
	}
	return false
}

func isVowel(b byte) bool { return b == 'a' || b == 'e' || b == 'i' || b == 'o' || b == 'u' }

// phoneticKey folds spellings that SMS writers mix up in Peruvian Spanish and
// in Quechua/Aymara loanwords: qu/k/c, c/s/z, v/b, hu/w, ll/y, ge/je,
// doubled letters. It is applied identically to message words and to every
// word of the knowledge files, so a lexicon entry written either way matches.
func phoneticKey(s string) string {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return s
	}
	var buf [32]byte
	b := buf[:0]
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		var next byte
		if i+1 < n {
			next = s[i+1]
		}
		switch c {
		case 'q':
			if next == 'u' && i+2 < n && (s[i+2] == 'e' || s[i+2] == 'i') {
				b = append(b, 'k')
				i++
				continue
			}
			b = append(b, 'k')
		case 'c':
			switch {
			case next == 'h':
				b = append(b, 'c', 'h')
				i++
			case next == 'e' || next == 'i':
				b = append(b, 's')
			default:
				b = append(b, 'k')
			}
		case 'z':
			b = append(b, 's')
		case 'v':
			b = append(b, 'b')
		case 'w':
			b = append(b, 'w')
		case 'h':
			if next == 'u' && i+2 < n && isVowel(s[i+2]) {
				b = append(b, 'w')
				i++
				continue
			}
			b = append(b, 'h')
		case 'l':
			if next == 'l' {
				b = append(b, 'y')
				i++
				continue
			}
			b = append(b, 'l')
		case 'g':
			if next == 'e' || next == 'i' {
				b = append(b, 'j')
				continue
			}
			b = append(b, 'g')
		case 'y':
			if i == n-1 && i > 0 && isVowel(s[i-1]) {
				b = append(b, 'i')
				continue
			}
			b = append(b, 'y')
		default:
			b = append(b, c)
		}
	}
	return undouble(b, s)
}

// undouble returns the key b with doubled letters collapsed, as a string:
// s itself, not a copy, when that is the key.
func undouble(b []byte, s string) string {
	out := b[:0]
	for i, c := range b {
		if i > 0 && c == b[i-1] {
			continue
		}
		out = append(out, c)
	}
	if string(out) == s {
		return s
	}
	return string(out)
}

// lexer turns text into tokens using the abbreviation and number tables.
type lexer struct {
	expand  map[string][]string // folded word → replacement words
	numbers map[string]int      // folded number word → value
	noBreak map[string]bool     // abbreviations after which "." does not end a clause
	morph   *morphology         // endings read from data/morphology.txt
	// vocab numbers every word of the knowledge files (pattern words,
	// language words), so that a token is matched by comparing integers;
	// fuzzy numbers the index keys of typo-tolerant first words (a word
	// and each of its deletions, see firstIndex).
	vocab, fuzzy map[string]int32
	fuzzyMin     int      // the length of the shortest fuzzy key; 0 while there is none
	fuzzyHead    []bool   // by lexer.heads id: the first three letters of a fuzzy key
	fuzzyShort   bool     // a fuzzy key is shorter than three letters
	fuzzyBloom   []uint64 // a Bloom filter of the fuzzy keys (mayBeFuzzy)
	// heads numbers the first three letters of prefix entries.
	heads map[string]int32
}

// head returns the id of the first three letters h of a prefix entry,
// numbering them if new.
func (lx *lexer) head(h string) int32 { return number(lx.heads, h) }

// intern returns the vocabulary id of the key k, numbering it if new.
func (lx *lexer) intern(k string) int32 { return number(lx.vocab, k) }

// number returns k's id in ids, giving it the next one if it has none.
func number(ids map[string]int32, k string) int32 {
	id, ok := ids[k]
	if !ok {
		id = int32(len(ids))
		ids[k] = id
	}
	return id
}

// markFuzzyHead notes the first three letters of the fuzzy key b, so that
// identify looks up only the keys that can be there.
func (lx *lexer) markFuzzyHead(b []byte) {
	if len(b) < 3 {
		lx.fuzzyShort = true
		return
	}
	h := lx.head(string(b[:3]))
	for int(h) >= len(lx.fuzzyHead) {
		lx.fuzzyHead = append(lx.fuzzyHead, false)
	}
	lx.fuzzyHead[h] = true
}

// fuzzyIDs returns the ids of the fuzzy keys of a tolerant word: its key
// k and each deletion of one letter, numbering those that are new.
func (lx *lexer) fuzzyIDs(k string) []int32 {
	out := make([]int32, 0, len(k)+1)
	b := make([]byte, 0, len(k))
	for i := -1; i < len(k); i++ {
		b = b[:0]
		if i < 0 {
			b = append(b, k...)
		} else {
			b = append(append(b, k[:i]...), k[i+1:]...)
		}
		id, ok := lx.fuzzy[string(b)]
		if !ok {
			id = int32(len(lx.fuzzy))
			lx.fuzzy[string(b)] = id
			lx.markFuzzyHead(b)
			if lx.fuzzyBloom == nil {
				lx.fuzzyBloom = make([]uint64, fuzzyBloomBits/64)
			}
			h := fnvAdd(fnvOffset, string(b)) % fuzzyBloomBits
			lx.fuzzyBloom[h/64] |= 1 << (h % 64)
			if lx.fuzzyMin == 0 || len(b) < lx.fuzzyMin {
				lx.fuzzyMin = len(b)
			}
		}
		out = append(out, id)
	}
	return out
}

// lookup returns the vocabulary id of k, or -1.
func (lx *lexer) lookup(k string) int32 {
	if id, ok := lx.vocab[k]; ok {
		return id
	}
	return -1
}

// identify sets the vocabulary ids of t and the fuzzy keys it may match:
// its key and each deletion of one letter, those the index knows.
func (lx *lexer) identify(t *token, scratch []byte) []byte {
	k := t.key
	t.id, t.stemID, t.p1, t.p2, t.head = lx.lookup(k), -1, -1, -1, -1
	if len(k) >= 3 {
		if id, ok := lx.heads[k[:3]]; ok {
			t.head = id
		}
	}
	if t.stem != "" {
		t.stemID = lx.lookup(t.stem)
	}
	if n := len(k); n > 1 && k[n-1] == 's' {
		t.p1 = lx.lookup(k[:n-1])
		if n > 2 && k[n-2] == 'e' {
			t.p2 = lx.lookup(k[:n-2])
		}
	}
	return lx.fuzzyKeys(t, scratch)
}

// fuzzyKeys sets the fuzzy keys t may match: its key and each deletion of
// one letter, those the index knows. Most are not: a key that starts as
// no fuzzy key does is none, so unless the first three letters are those
// of one only deletions among them are looked up, and a Bloom filter of
// the keys (fuzzyBloom) answers most of the rest.
func (lx *lexer) fuzzyKeys(t *token, scratch []byte) []byte {
	k := t.key
	if len(k) < lx.fuzzyMin {
		return scratch // shorter than every fuzzy key, and so are its deletions
	}
	all := lx.fuzzyShort || t.head >= 0 && int(t.head) < len(lx.fuzzyHead) && lx.fuzzyHead[t.head]
	if all && lx.mayBeFuzzy(fnvAdd(fnvOffset, k)) {
		if id, ok := lx.fuzzy[k]; ok {
			t.fuzzy = append(t.fuzzy, id)
		}
	}
	prefix := uint32(fnvOffset) // the hash of k[:i]
	for i := range len(k) {
		if i >= 3 && !all {
			break
		}
		if lx.mayBeFuzzy(fnvAdd(prefix, k[i+1:])) {
			scratch = append(append(scratch[:0], k[:i]...), k[i+1:]...)
			if id, ok := lx.fuzzy[string(scratch)]; ok {
				t.fuzzy = append(t.fuzzy, id)
			}
		}
		prefix = fnvAdd(prefix, k[i:i+1])
	}
	return scratch
}

// FNV-1a, the hash of the Bloom filter of fuzzy keys.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func fnvAdd(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

// fuzzyBloomBits is the size of the Bloom filter of fuzzy keys: some
// twelve thousand keys set one bit in ten.
const fuzzyBloomBits = 1 << 17

// mayBeFuzzy reports whether a string of FNV-1a hash h may be a fuzzy key.
func (lx *lexer) mayBeFuzzy(h uint32) bool {
	if lx.fuzzyBloom == nil {
		return false // no fuzzy key yet
	}
	h %= fuzzyBloomBits
	return lx.fuzzyBloom[h/64]&(1<<(h%64)) != 0
}

type rawWord struct {
	text       string
	start, end int
	clause     int
}

// split cuts text into raw words at spaces, punctuation, emoji and at
// letter/digit boundaries ("15años", "5am"); it numbers clauses, which end at
// . ! ? ; : ( ) and line breaks, but not at "." after an abbreviation or
// between digits.
func (lx *lexer) split(text string) []rawWord {
	words := make([]rawWord, 0, len(text)/5+1) // words of Spanish SMS take 5 bytes or more with their space
	clause := 0
	start := -1
	kind := 0 // 1 letter, 2 digit
	flush := func(end int) {
		if start >= 0 {
			words = append(words, rawWord{text: text[start:end], start: start, end: end, clause: clause})
			start = -1
		}
	}
	for i, r := range text {
		k := 0
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		case (r == '\'' || r == '’') && start >= 0 && kind == 1:
			// apostrophe inside a word (Quechua/Aymara ejectives: yanapt'ita)
			next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
			if unicode.IsLetter(next) {
				continue
			}
		}
		if k != 0 {
			if start >= 0 && k != kind {
				flush(i)
			}
			if start < 0 {
				start, kind = i, k
			}
			continue
		}
		prev := "" // the word right before r, if any
		if start >= 0 {
			prev = text[start:i]
		} else if len(words) > 0 && words[len(words)-1].end == i {
			prev = words[len(words)-1].text
		}
		wasDigit := start >= 0 && kind == 2
		flush(i)
		switch r {
		case '.', ',':
			next, _ := utf8.DecodeRuneInString(text[i+1:])
			if wasDigit && unicode.IsDigit(next) {
				continue
			}
			if r == '.' && lx.noBreak[fold(prev)] {
				continue
			}
			if r == '.' {
				clause++
			}
			if r == ',' {
				clause++
			}
		case '!', '?', ';', ':', '(', ')', '\n', '¡', '¿', '"', '“', '”':
			clause++
		}
	}
	flush(len(text))
	return words
}

var apostrophes = strings.NewReplacer("'", "", "’", "")

// tokens normalises text into matching tokens.
func (lx *lexer) tokens(text string) []token {
	raws := lx.split(text)
	toks := make([]token, 0, len(raws)+4)
	var scratch []byte
	for _, w := range raws {
		text := w.text
		if strings.ContainsAny(text, "'’") {
			text = apostrophes.Replace(text)
		}
		f := collapseRuns(fold(text))
		parts := []string{f}
		if rep, ok := lx.expand[f]; ok {
			parts = rep
		}
		for _, p := range parts {
			t := token{raw: w.text, start: w.start, end: w.end, norm: p, num: -1, clause: w.clause}
			t.key = phoneticKey(p)
			if v, ok := lx.numbers[t.key]; ok {
				t.norm = strconv.Itoa(v)
				t.key = phoneticKey(t.norm)
			}
			if t.norm != "" && t.norm[0] >= '0' && t.norm[0] <= '9' {
				if v, err := strconv.Atoi(t.norm); err == nil {
					t.num = v
				}
			}
			if t.num < 0 {
				for _, c := range lx.morph.cases {
					if len(t.norm) >= len(c)+4 && strings.HasSuffix(t.norm, c) {
						t.stem = phoneticKey(t.norm[:len(t.norm)-len(c)])
						break
					}
				}
			}
			scratch = lx.identify(&t, scratch)
			toks = append(toks, t)
		}
	}
	return toks
}

// words normalises a knowledge-file phrase the same way as a message, so
// that entries can be written with accents, abbreviations or number words.
func (lx *lexer) words(phrase string) []string {
	var out []string
	for _, t := range lx.tokens(phrase) {
		out = append(out, t.key)
	}
	return out
}
