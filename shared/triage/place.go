package triage

import (
	"sort"
	"unicode"
)

// placeHit is one gazetteer alias found in a text, with the role its
// context gives it: where the situation is, a destination or an origin.
type placeHit struct {
	a          *placeAlias
	start, end int
	role       string // roleHere, roleTo, roleFrom or ""
	score      float64
	order      int // index in the gazetteer, for a stable order
}

// Scores of a mention by role: the region is where the situation is now, so
// a destination ("las lleva a Mazuko") or an origin ("chicas de Puno")
// counts less than a location ("en Wanchaq") or a bare name.
var roleScore = map[string]float64{roleHere: 3, "": 2, roleTo: 1, roleFrom: 1}

// caseRoleScore scores a role read from a Quechua case ending. Unlike
// "de" ("la chica de Puno" may still be in Puno), -manta says the person
// has left the place: an origin so marked counts less than a destination
// ("Paucartambomanta ... Maldonadoman ripurqan" is in Madre de Dios).
var caseRoleScore = map[string]float64{roleHere: 3, roleTo: 1, roleFrom: 0.5}

// findPlace returns the mention that best says where the situation is, or
// nil. Mentions are summed by region; the best mention of the winning
// region (a location before a destination or origin, then the most
// specific) names the place. A foreign place can win, and then the
// region is "" (the contract counts only places in Peru).
func (e *Engine) findPlace(a *analysis) *placeHit {
	hits := e.keepPlaces(a, e.placeCandidates(a))
	hits = append(hits, e.kmHits(a, placeTaken(a, hits))...)
	if len(hits) == 0 {
		return nil
	}
	hits = e.placeRoles(a, hits)
	return bestPlace(hits)
}

// placeCandidates are every mention of a gazetteer alias, longest first.
func (e *Engine) placeCandidates(a *analysis) []placeHit {
	toks := a.toks
	var cands []placeHit
	sc := getScratch(len(e.places))
	defer scratchPool.Put(sc)
	for i := range toks {
		for _, n := range e.placeIx.candidates(toks, i, sc) {
			p := e.places[n]
			end := e.m.match(p.elems, toks, i, toks[i].clause)
			if end > i {
				cands = append(cands, placeHit{a: p, start: i, end: end, order: n})
			}
		}
	}
	// Longest mention first; drop mentions inside a longer one.
	sort.SliceStable(cands, func(x, y int) bool {
		lx, ly := cands[x].end-cands[x].start, cands[y].end-cands[y].start
		if lx != ly {
			return lx > ly
		}
		if placeKinds[cands[x].a.kind] != placeKinds[cands[y].a.kind] {
			return placeKinds[cands[x].a.kind] > placeKinds[cands[y].a.kind]
		}
		if cands[x].start != cands[y].start {
			return cands[x].start < cands[y].start
		}
		return cands[x].order < cands[y].order
	})
	return cands
}

// keepPlaces drops mentions inside a longer one, street names after a
// street word, and weak aliases (common words) without a cue, a capital
// or a strong mention of the same region beside them.
func (e *Engine) keepPlaces(a *analysis, cands []placeHit) []placeHit {
	toks := a.toks
	// A weak alias (a common word) also counts when written with a capital
	// inside a sentence, or when a plain mention of the same region is in
	// the text right beside it ("quitó" is not Quito; "Comas, Lima" is Comas).
	byStart := map[int][]placeHit{}
	for _, o := range cands {
		byStart[o.start] = append(byStart[o.start], o)
	}
	nearStrong := func(c placeHit) bool {
		var near []placeHit
		for i := c.start - maxSpan - 2; i <= c.end+2; i++ {
			near = append(near, byStart[i]...)
		}
		for _, o := range near {
			if !o.a.weak && o.a.code == c.a.code && o.a.kind != "abroad" &&
				((o.start >= c.end && o.start <= c.end+2) || (o.end <= c.start && o.end >= c.start-2)) {
				return true
			}
		}
		return false
	}
	taken := make([]bool, len(toks))
	var hits []placeHit
	for _, c := range cands {
		free := true
		for i := c.start; i < c.end; i++ {
			if taken[i] {
				free = false
			}
		}
		if !free {
			continue
		}
		if e.placeRole(a, c, 0) == "street-name" {
			continue
		}
		if c.a.weak && !e.cueRightBefore(a, c.start) && !capitalisedInside(a, c.start) && !nearStrong(c) {
			continue
		}
		for i := c.start; i < c.end; i++ {
			taken[i] = true
		}
		hits = append(hits, c)
	}
	return hits
}

// placeTaken marks the tokens of the places kept.
func placeTaken(a *analysis, hits []placeHit) []bool {
	taken := make([]bool, len(a.toks))
	for _, h := range hits {
		for i := h.start; i < h.end; i++ {
			taken[i] = true
		}
	}
	return taken
}

// placeRoles orders the places, drops a street followed by its town and
// gives each its role (here, to, from) and score.
func (e *Engine) placeRoles(a *analysis, hits []placeHit) []placeHit {
	toks := a.toks
	sort.SliceStable(hits, func(x, y int) bool { return hits[x].start < hits[y].start })
	// A street name shared by many towns ("av. Grau") followed by the town
	// ("av. Grau de Piura") is a street of that town.
	kept := hits[:0]
	for i, h := range hits {
		if h.a.kind == "street" && i+1 < len(hits) {
			n := hits[i+1]
			if n.a.code != h.a.code && n.start <= h.end+2 && toks[n.start].clause == toks[h.start].clause {
				continue
			}
		}
		kept = append(kept, h)
	}
	hits = kept
	// A cue belongs to the nearest place after it: "from Canada visiting
	// Cusco" gives "from" to Canada only.
	prevEnd := 0
	for i := range hits {
		hits[i].role = e.placeRole(a, hits[i], prevEnd)
		hits[i].score = roleScore[hits[i].role]
		if hits[i].role == "" {
			// No cue word: a Quechua case ending on the name's last word
			// says it ("Mazukopi" in, "Maldonadoman" to, "Juliacamanta" from).
			if r := e.lx.morph.placeRole(&toks[hits[i].end-1]); r != "" {
				hits[i].role, hits[i].score = r, caseRoleScore[r]
			} else if dateline(toks, hits[i]) {
				hits[i].role, hits[i].score = roleHere, roleScore[roleHere]
			}
		}
		prevEnd = hits[i].end
	}

	return hits
}

// dateline reports whether place h is the whole first clause of the
// text, a heading that says where the rest happens ("Iquitos: en el
// colegio de Bellavista...").
func dateline(toks []token, h placeHit) bool {
	return h.start == 0 && toks[0].clause == toks[h.end-1].clause &&
		h.end < len(toks) && toks[h.end].clause != toks[0].clause
}

// bestPlace is the most specific place of the region with most score,
// where it happens before where they go or come from.
func bestPlace(hits []placeHit) *placeHit {
	total := map[string]float64{}
	first := map[string]int{}
	var codes []string
	for i, h := range hits {
		c := h.a.code
		if _, ok := first[c]; !ok {
			first[c] = i
			codes = append(codes, c)
		}
		total[c] += h.score
	}
	win := codes[0]
	for _, c := range codes[1:] {
		// On a tie a place in Peru beats one abroad: "soy de Venezuela,
		// estoy en Aguas Verdes" is in Aguas Verdes.
		if total[c] > total[win] || (total[c] == total[win] && win == "" && c != "") {
			win = c
		}
	}
	var best *placeHit
	for i := range hits {
		h := &hits[i]
		if h.a.code != win {
			continue
		}
		// Where it happens before where they go or come from, then the most specific.
		located := func(p *placeHit) bool { return p.score >= roleScore[""] }
		if best == nil || (located(h) && !located(best)) ||
			(located(h) == located(best) && placeKinds[h.a.kind] > placeKinds[best.a.kind]) {
			best = h
		}
	}
	return best
}

// placeRole reads the words before a mention: the nearest cue at most one
// word before it, in the same clause, after the previous place (token
// after). A cue inside an offer or a plan makes it a destination unless the
// cue is explicit ("somos de", "cerca a", "leave"). "street-name" means a
// street named after a place ("jr. Moquegua"), which is not that place.
func (e *Engine) placeRole(a *analysis, c placeHit, after int) string {
	role, bestEnd, bestLen := "", -1, 0
	strong := false
	clause := a.toks[c.start].clause
	for _, h := range a.startingIn(c.start-1-a.f.maxLen, c.start) {
		if h.clause != clause || h.end > c.start || h.start < after {
			continue
		}
		switch h.sig.role {
		case roleStreet:
			if h.end == c.start && c.a.kind != "street" {
				return "street-name"
			}
		case roleHere, roleTo, roleFrom:
			if h.end < c.start-1 {
				continue
			}
			l := h.end - h.start
			if h.end > bestEnd || (h.end == bestEnd && l > bestLen) {
				role, bestEnd, bestLen = h.sig.role, h.end, l
				strong = h.sig.danger > 0 // an explicit "here" ("somos de", "cerca a") beats an offer
			}
		}
	}
	end, intent := a.f.intentEnd[clause]
	if intent && end <= c.start && role != roleFrom && !strong {
		return roleTo
	}
	return role
}

// kmHits geocodes "km NN" on the roads of the km rules ("km 108" → La Pampa).
func (e *Engine) kmHits(a *analysis, taken []bool) []placeHit {
	var out []placeHit
	for i, t := range a.toks {
		if t.key != "km" || i+1 >= len(a.toks) || taken[i] {
			continue
		}
		n := a.toks[i+1].num
		for k := range e.kms {
			r := &e.kms[k]
			if n >= r.from && n <= r.to {
				p := &placeAlias{code: r.code, kind: "hotspot", name: r.name}
				h := placeHit{a: p, start: i, end: i + 2}
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// cueRightBefore reports whether a place cue ("en", "de", "a"...) ends right
// before token i: a weak alias (a place name that is also a common word,
// "Comas", "Belén") counts only then.
func (e *Engine) cueRightBefore(a *analysis, i int) bool {
	for _, h := range a.startingIn(i-a.f.maxLen, i) {
		if h.end == i && (h.sig.role == roleHere || h.sig.role == roleTo || h.sig.role == roleFrom) {
			return true
		}
	}
	return false
}

// capitalisedInside reports whether token i is written with a capital
// letter and is not the first word of its clause: a name, not a verb.
func capitalisedInside(a *analysis, i int) bool {
	if i == 0 || a.toks[i-1].clause != a.toks[i].clause {
		return false
	}
	for _, r := range a.toks[i].raw {
		return unicode.IsUpper(r)
	}
	return false
}
