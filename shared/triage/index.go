package triage

// firstIndex finds, for a token, the patterns whose first word can match it,
// so that a message is not tried against every entry at every word. It is
// exact: it may return candidates that then fail, never miss one.
type firstIndex struct {
	byWord   map[string][]int // exact first word, its deletion variants for tolerant words
	byPrefix map[string][]int // first three letters of a prefix entry
	always   []int            // numbers, optional first words: tried everywhere
}

func deletions(s string) []string {
	out := make([]string, 0, len(s))
	for i := range len(s) {
		out = append(out, s[:i]+s[i+1:])
	}
	return out
}

// fuzzyKeys are the index keys under which a word finds the typo-tolerant
// entries it may match: the word and each of its deletions, marked "~".
// Tokens compute them once for both indexes.
func fuzzyKeys(k string) []string {
	out := make([]string, 0, len(k)+1)
	out = append(out, "~"+k)
	for _, d := range deletions(k) {
		out = append(out, "~"+d)
	}
	return out
}

func newFirstIndex(all [][]elem) *firstIndex {
	ix := &firstIndex{byWord: map[string][]int{}, byPrefix: map[string][]int{}}
	for n, elems := range all {
		first := elems[0]
		if first.optional || first.gap > 0 {
			ix.always = append(ix.always, n)
			continue
		}
		for _, seq := range first.seqs {
			a := seq[0]
			switch a.kind {
			case altWord:
				ix.byWord[a.key] = append(ix.byWord[a.key], n)
				if a.fuzzy {
					ix.byWord["~"+a.key] = append(ix.byWord["~"+a.key], n)
					for _, d := range deletions(a.key) {
						ix.byWord["~"+d] = append(ix.byWord["~"+d], n)
					}
				}
			case altPrefix:
				ix.byPrefix[a.key[:3]] = append(ix.byPrefix[a.key[:3]], n)
			default:
				ix.always = append(ix.always, n)
			}
		}
	}
	return ix
}

// candidates returns the entries worth trying at token t, each once,
// in entry order.
func (ix *firstIndex) candidates(t *token, seen []bool, buf []int) []int {
	buf = buf[:0]
	add := func(ns []int) {
		for _, n := range ns {
			if !seen[n] {
				seen[n] = true
				buf = append(buf, n)
			}
		}
	}
	k := t.key
	add(ix.byWord[k])
	if len(k) > 1 && k[len(k)-1] == 's' {
		add(ix.byWord[k[:len(k)-1]])
		if len(k) > 2 && k[len(k)-2] == 'e' {
			add(ix.byWord[k[:len(k)-2]])
		}
	}
	for _, fk := range t.fuzzy {
		add(ix.byWord[fk])
	}
	if len(k) >= 3 {
		add(ix.byPrefix[k[:3]])
	}
	add(ix.always)
	for _, n := range buf {
		seen[n] = false
	}
	return buf
}
