package triage

import "slices"

// firstIndex finds, for a token, the patterns whose first word can match it,
// so that a message is not tried against every entry at every word. An
// entry whose first word is required is found by that word: its exact
// form, the token without a plural ending or without a Quechua case
// ending ("Maldonadoman", "terminalpi": the matcher reads a word through
// the same endings wherever it stands), its typo-tolerant keys and its
// first three letters for a prefix. An entry whose first words are
// optional is found the same ways by any word it may start with, a
// number included, so it is tried wherever it can match and nowhere else.
// Ids are those of lexer.vocab and lexer.fuzzy.
type firstIndex struct {
	byID    [][]int // by vocabulary id of a first word: the token's own, its plural stems' and its case stem's
	byFuzzy [][]int // by fuzzy-key id: a tolerant first word and each of its deletions
	byHead  [][]int // by lexer.heads id: the first three letters of a prefix entry
	numeric []int   // a first word may be a number: tried at numbers
	always  []int   // may start anywhere (a gap before any required word): tried everywhere
	// An entry whose token after the first may only be certain words
	// (filtered) is listed under the keys (nextKeys) of those words in
	// accept; at a token whose next token has none of them it cannot
	// match, and is not tried.
	filtered []bool
	accept   [4][][]int32 // by key space (word, fuzzy, head, number), then by id
}

// Keys of a word that may follow the first (firstIndex.accept): its
// vocabulary id, nextFuzzy plus the id of a fuzzy key (lexer.fuzzy) of a
// tolerant word, nextHead plus the lexer.heads id of a prefix, or nextNum
// for a number.
const (
	nextFuzzy = 1 << 28
	nextHead  = 1 << 29
	nextNum   = 1 << 30
)

// nextKeys adds to out the keys a token matching alternative a has one
// of: a word's id, and for a tolerant word the ids of its fuzzy keys
// (typos are found as the index finds them).
func nextKeys(lx *lexer, a alt, out []int32) []int32 {
	switch a.kind {
	case altWord:
		out = append(out, a.id)
		if a.fuzzy {
			for _, id := range lx.fuzzyIDs(a.key) {
				out = append(out, nextFuzzy+id)
			}
		}
		return out
	case altPrefix:
		return append(out, nextHead+a.head)
	}
	return append(out, nextNum)
}

// afterFirst returns the keys the token after the first of a match of
// elems may have, sorted, and false when it may be any token.
func afterFirst(lx *lexer, elems []elem) ([]int32, bool) {
	first := elems[0]
	if first.optional || first.gap > 0 {
		return nil, false
	}
	var out []int32
	for _, seq := range first.seqs {
		if len(seq) > 1 {
			out = nextKeys(lx, seq[1], out)
			continue
		}
		var ok bool
		if out, ok = startKeys(lx, elems[1:], out); !ok {
			return nil, false
		}
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// startKeys adds to out the keys of the words a match of elems may start
// with: those of its optional elements and of the first required one;
// false when it may start with any word, or be empty.
func startKeys(lx *lexer, elems []elem, out []int32) ([]int32, bool) {
	for _, el := range elems {
		if el.gap > 0 || el.near > 0 {
			return nil, false
		}
		for _, seq := range el.seqs {
			out = nextKeys(lx, seq[0], out)
		}
		if !el.optional {
			return out, true
		}
	}
	return nil, false
}

// tokenKeys are the keys (nextKeys) that token t matches: its id, its
// stem's, its plural stems' (as altMatches reads them), its fuzzy keys,
// its prefix head and whether it is a number.
func tokenKeys(t *token, out []int32) []int32 {
	if t.id >= 0 {
		out = append(out, t.id)
	}
	if t.stemID >= 0 {
		out = append(out, t.stemID)
	}
	if t.num < 0 && t.p1 >= 0 && len(t.key) >= 4 {
		out = append(out, t.p1)
	}
	if t.num < 0 && t.p2 >= 0 && len(t.key) >= 5 {
		out = append(out, t.p2)
	}
	for _, id := range t.fuzzy {
		out = append(out, nextFuzzy+id)
	}
	if t.head >= 0 {
		out = append(out, nextHead+t.head)
	}
	if t.num >= 0 {
		out = append(out, nextNum)
	}
	return out
}

// keySpace splits a key of nextKeys into its space (0 word, 1 fuzzy key,
// 2 prefix head, 3 number) and its id there.
func keySpace(k int32) (int, int32) {
	switch {
	case k >= nextNum:
		return 3, 0
	case k >= nextHead:
		return 2, k - nextHead
	case k >= nextFuzzy:
		return 1, k - nextFuzzy
	}
	return 0, k
}

// at32 returns tab's list at id, if any.
func at32(tab [][]int32, id int32) []int32 {
	if int(id) >= len(tab) {
		return nil
	}
	return tab[id]
}

// markFits sets in fits the bit of every filtered entry that a next
// token with keys may continue, after clearing all bits.
func (ix *firstIndex) markFits(keys []int32, fits []uint64) {
	clear(fits)
	for _, k := range keys {
		space, id := keySpace(k)
		for _, n := range at32(ix.accept[space], id) {
			fits[n>>6] |= 1 << (n & 63)
		}
	}
}

// fits reports whether entry n may match given the bits of markFits.
func (ix *firstIndex) fits(n int, fits []uint64) bool {
	return !ix.filtered[n] || fits[n>>6]&(1<<(n&63)) != 0
}

// addAt appends n to the list of tab at id, growing tab as needed.
func addAt(tab *[][]int, id int32, n int) {
	for int(id) >= len(*tab) {
		*tab = append(*tab, nil)
	}
	(*tab)[id] = append((*tab)[id], n)
}

func newFirstIndex(lx *lexer, all [][]elem) *firstIndex {
	ix := &firstIndex{filtered: make([]bool, len(all)), byID: make([][]int, len(lx.vocab))}
	for n, elems := range all {
		if ks, ok := afterFirst(lx, elems); ok {
			ix.filtered[n] = true
			for _, k := range ks {
				space, id := keySpace(k)
				for int(id) >= len(ix.accept[space]) {
					ix.accept[space] = append(ix.accept[space], nil)
				}
				ix.accept[space][id] = append(ix.accept[space][id], int32(n))
			}
		}
		first := elems[0]
		if first.optional || first.gap > 0 {
			ix.addOptional(lx, n, elems)
			continue
		}
		for _, seq := range first.seqs {
			ix.addAlt(lx, n, seq[0])
		}
	}
	return ix
}

// addAlt indexes entry n under the first word a.
func (ix *firstIndex) addAlt(lx *lexer, n int, a alt) {
	switch a.kind {
	case altWord:
		addAt(&ix.byID, a.id, n)
		if a.fuzzy {
			for _, id := range lx.fuzzyIDs(a.key) {
				addAt(&ix.byFuzzy, id, n)
			}
		}
	case altPrefix:
		addAt(&ix.byHead, lx.head(a.key[:3]), n)
	default:
		ix.numeric = append(ix.numeric, n)
	}
}

// addOptional indexes entry n, whose first words are optional, under the
// first word of every alternative of its leading elements, up to the
// first required one; after a gap it could start anywhere.
func (ix *firstIndex) addOptional(lx *lexer, n int, elems []elem) {
	for _, el := range elems {
		if el.gap > 0 || el.near > 0 {
			ix.always = append(ix.always, n)
			return
		}
		for _, seq := range el.seqs {
			ix.addAlt(lx, n, seq[0])
		}
		if !el.optional {
			return
		}
	}
}

// at returns tab's list at id, if any.
func at(tab [][]int, id int32) []int {
	if id < 0 || int(id) >= len(tab) {
		return nil
	}
	return tab[id]
}

// plurals are the ids of t's key without "s" and "es" under which the
// index looks for entries. A word of one or two letters matches no plural
// ("la" never matches "las"), so those ids are only looked up when t has
// a Quechua stem, through which an entry found that way can still match.
func (t *token) plurals() (int32, int32) {
	if t.stemID >= 0 {
		return t.p1, t.p2
	}
	p1, p2 := t.p1, t.p2
	if len(t.key) < 4 {
		p1 = -1
	}
	if len(t.key) < 5 {
		p2 = -1
	}
	return p1, p2
}

// candidates returns the entries worth trying at token i, each once:
// those its first word may start, and whose next word may be the token
// after it.
func (ix *firstIndex) candidates(toks []token, i int, sc *scratch) []int {
	t := &toks[i]
	sc.keys = sc.keys[:0]
	if i+1 < len(toks) && toks[i+1].clause == t.clause {
		sc.keys = tokenKeys(&toks[i+1], sc.keys)
	}
	ix.markFits(sc.keys, sc.fits)
	sc.buf, sc.marked = sc.buf[:0], sc.marked[:0]
	add := func(ns []int) {
		for _, n := range ns {
			if !sc.seen[n] {
				sc.seen[n] = true
				sc.marked = append(sc.marked, n)
				if ix.fits(n, sc.fits) {
					sc.buf = append(sc.buf, n)
				}
			}
		}
	}
	add(at(ix.byID, t.id))
	p1, p2 := t.plurals()
	add(at(ix.byID, p1))
	add(at(ix.byID, p2))
	add(at(ix.byID, t.stemID)) // a Quechua case ending: "Maldonadoman" starts "Maldonado ..."
	for _, id := range t.fuzzy {
		add(at(ix.byFuzzy, id))
	}
	add(at(ix.byHead, t.head))
	if t.num >= 0 {
		add(ix.numeric)
	}
	add(ix.always)
	for _, n := range sc.marked {
		sc.seen[n] = false
	}
	return sc.buf
}
