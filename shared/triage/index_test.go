package triage

import "testing"

// TestIndexMissesNoMatch checks that the first-word index, which skips
// most entries at most tokens, skips none that would match: over the
// labelled messages, trying every lexicon entry and every gazetteer alias
// at every token finds no match the engine's scan does not try, a first
// word read through a Quechua case ending included ("Maldonadoman" for
// "Maldonado" starting an alias, "terminalman" starting a list of venues).
func TestIndexMissesNoMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("tries every entry at every token")
	}
	e := mustEngine(t)
	n := max(len(e.patterns), len(e.places))
	sc := &scratch{seen: make([]bool, n), fits: make([]uint64, (n+63)/64)}
	tried := make([]bool, n)
	// The development set and the one written by people who never wrote
	// a rule; every entry at every token is slow under -race.
	for _, path := range []string{"testdata/corpus.jsonl", "testdata/external1.jsonl", "testdata/heldout8.jsonl"} {
		for _, l := range readLabelled(t, path) {
			toks := e.lx.tokens(l.Text)
			for i := range toks {
				mark(tried, e.patternIx.candidates(toks, i, sc))
				for n, p := range e.patterns {
					if s, end := e.m.matchPattern(p, toks, i, toks[i].clause); end > s && !tried[n] {
						t.Errorf("%s %s: %s (%s) matches at %q but the index does not try it", path, l.ID, p.text, p.where, toks[i].raw)
					}
				}
				mark(tried, e.placeIx.candidates(toks, i, sc))
				for n, p := range e.places {
					if end := e.m.match(p.elems, toks, i, toks[i].clause); end > i && !tried[n] {
						t.Errorf("%s %s: place %s matches at %q but the index does not try it", path, l.ID, p.text, toks[i].raw)
					}
				}
			}
		}
	}
}

// mark sets tried to the entries ns alone.
func mark(tried []bool, ns []int) {
	clear(tried)
	for _, n := range ns {
		tried[n] = true
	}
}
