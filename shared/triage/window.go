package triage

import "sort"

// Every question the rules ask about hits near another one ("is a
// negation right before it?", "is it inside a habit?", "is there a time
// word in this clause?") is answered from the hits starting within a
// window of tokens, found by binary search over the hits sorted by start,
// or from facts gathered once per clause. So a decision takes time linear
// in the text, whatever the text repeats.

// facts are what the rules need of the whole text, gathered once.
type facts struct {
	maxLen     int          // the longest hit, in tokens
	habit      bool         // a habit (habitual, night outings) is told anywhere
	soonClause map[int]bool // clauses with a soon or "right now" word outside a habit
	petClause  map[int]bool // clauses naming a pet
	intentEnd  map[int]int  // per clause, the first end of an offer, plan or fear word
}

// startingIn returns the hits whose start token is in [lo, hi).
func (a *analysis) startingIn(lo, hi int) []hit {
	if lo < 0 {
		lo = 0
	}
	i := sort.Search(len(a.hits), func(k int) bool { return a.hits[k].start >= lo })
	j := i
	for j < len(a.hits) && a.hits[j].start < hi {
		j++
	}
	return a.hits[i:j]
}

// gatherFacts fills a.f from the hits.
func (a *analysis) gatherFacts() {
	a.f = facts{maxLen: a.f.maxLen, soonClause: map[int]bool{}, petClause: map[int]bool{}, intentEnd: map[int]int{}}
	for _, h := range a.hits {
		if h.sig.role == roleIntent {
			if end, ok := a.f.intentEnd[h.clause]; !ok || h.end < end {
				a.f.intentEnd[h.clause] = h.end
			}
		}
		if (h.sig.name == sigHabitual || h.sig.name == sigNightOutings) && !h.negated {
			a.f.habit = true
		}
		if h.sig.name == sigPet {
			a.f.petClause[h.clause] = true
		}
	}
	for _, o := range a.hits {
		strong := o.sig.role == roleSoon || (o.sig.role == roleNow && o.sig.danger > 0)
		if strong && !a.insideHabit(o) {
			a.f.soonClause[o.clause] = true
		}
	}
}

// sortHits orders hits by start, longer first, then by pattern.
func sortHits(hits []hit) {
	sort.SliceStable(hits, func(a, b int) bool {
		if hits[a].start != hits[b].start {
			return hits[a].start < hits[b].start
		}
		if hits[a].end != hits[b].end {
			return hits[a].end > hits[b].end
		}
		return hits[a].order < hits[b].order
	})
}

// dedupHits keeps one hit per signal per region of text: it drops hits of
// a signal inside a longer hit of the same signal, or, for exploitation
// evidence, of another signal of the same indicator with as much danger
// ("no me deja usar" inside "no me deja usar el celular" is one sign of
// isolation, not two). Hits are sorted by start, so every kept hit before
// h starts at or before it: h is inside one exactly when that one ends at
// or after h's end, and the furthest end seen per signal and per
// indicator and danger answers it in constant time.
func dedupHits(hits []hit) []hit {
	sigEnd := map[*signal]int{}
	indEnd := map[string]map[float64]int{}
	out := hits[:0]
	for _, h := range hits {
		if end, ok := sigEnd[h.sig]; ok && end >= h.end {
			continue
		}
		if h.sig.role == roleExploit && h.sig.indicator != "" && exploitCovers(indEnd[h.sig.indicator], h) {
			continue
		}
		out = append(out, h)
		sigEnd[h.sig] = max(sigEnd[h.sig], h.end)
		if h.sig.role == roleExploit && h.sig.indicator != "" {
			m := indEnd[h.sig.indicator]
			if m == nil {
				m = map[float64]int{}
				indEnd[h.sig.indicator] = m
			}
			m[h.sig.danger] = max(m[h.sig.danger], h.end)
		}
	}
	return out
}

// exploitCovers reports whether a kept hit of the same indicator with at
// least h's danger ends at or after h.
func exploitCovers(ends map[float64]int, h hit) bool {
	for d, end := range ends {
		if d >= h.sig.danger && end >= h.end {
			return true
		}
	}
	return false
}

// markNegationAndIntent marks the hits negated (a negation word ends at
// most two words before the hit, in the same clause, and is not part of a
// phrase that ends before the hit) and those an offer, plan or fear word
// governs (intentReaches).
func (a *analysis) markNegationAndIntent() {
	for i := range a.hits {
		h := &a.hits[i]
		switch h.sig.role {
		case roleNegation, roleMinor, rolePerson, roleAgeCue, roleAgeUnit, roleNotAge, roleHedge, roleNoise:
			continue
		}
		for _, n := range a.startingIn(h.start-2-a.f.maxLen, h.start) {
			if n.sig.role == roleNegation && n.clause == h.clause && n.end <= h.start && n.end >= h.start-2 && !a.negationInPhrase(n, h.start) {
				h.negated = true
			}
		}
		if a.intentReaches(h) {
			h.intent = true
		}
	}
}

// negationInPhrase reports whether negation n is a word of a longer
// phrase ending at or before token end: that phrase is what it negates
// ("mana lluqsiyta atinchu", can't leave, is a restriction), not the words
// after it ("mana lluqsiyta atinchu yanapaway": the plea still counts).
func (a *analysis) negationInPhrase(n hit, end int) bool {
	for _, p := range a.startingIn(n.start-a.f.maxLen, n.start+1) {
		if p.sig.role != roleNegation && p.start <= n.start && p.end > n.end && p.end <= end {
			return true
		}
	}
	return false
}

// maxLen is the length of the longest hit, in tokens.
func maxLen(hits []hit) int {
	n := 0
	for _, h := range hits {
		n = max(n, h.end-h.start)
	}
	return n
}
