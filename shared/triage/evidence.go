package triage

import "strings"

// gather weighs the hits of an analysis into evidence: each signal once,
// with its highest weight, danger words of past clauses dropped.
func (e *Engine) gather(a *analysis) *state {
	n := min(len(a.hits), len(e.signals)) // signals found, at most
	s := &state{e: e, a: a, slot: make([]int32, len(e.signals)), order: make([]*signal, 0, n), sigs: make([]sigEvidence, 0, n)}
	s.clauseTimes()
	for _, h := range a.hits {
		rec := s.rec(h.sig)
		if rec == nil {
			s.order = append(s.order, h.sig)
			s.sigs = append(s.sigs, sigEvidence{})
			s.slot[h.sig.idx] = int32(len(s.order))
			rec = &s.sigs[len(s.sigs)-1]
		}
		if !h.negated && !h.intent {
			rec.active = true
		}
		s.noteRole(h)
		if h.negated && h.sig.role != roleDanger && h.sig.role != roleMove {
			continue
		}
		s.quote(rec, h)
		e.weigh(s, rec, h)
	}
	s.sum()
	return s
}

// rec returns the evidence of signal sg, nil when it has no hit.
func (s *state) rec(sg *signal) *sigEvidence {
	if n := s.slot[sg.idx]; n > 0 {
		return &s.sigs[n-1]
	}
	return nil
}

// clauseTimes marks the clauses told in the past, in the present or now,
// and those describing a habit, to keep danger words of a past story out
// of danger now.
func (s *state) clauseTimes() {
	s.pastClause, s.nowClause, s.habitClause = map[int]bool{}, map[int]bool{}, map[int]bool{}
	for _, h := range s.a.hits {
		if h.sig.name == sigHabitual && !h.negated {
			s.habitClause[h.clause] = true
		}
		switch h.sig.role {
		case rolePast:
			s.pastClause[h.clause] = true
		case roleNow, roleSoon, rolePresent:
			if h.sig.role != roleNow || h.sig.danger > 0 {
				s.nowClause[h.clause] = true
			}
		}
	}
}

// noteRole records what a hit's role says about the whole text.
func (s *state) noteRole(h hit) {
	ev := &s.ev
	switch h.sig.role {
	case rolePast:
		ev.past = true
	case rolePresent:
		ev.present = true
	case roleNow:
		if h.sig.danger > 0 {
			ev.now = true // "ahorita", "right now"; plain "ahora" only adds the now bonus
		}
		ev.soon = true
	case roleSoon:
		if !s.a.insideHabit(h) {
			ev.soon = true
		}
	case roleHedge:
		ev.hedge = true
	case roleActionable, roleStreet:
		ev.actionable = true
	case roleUrgent:
		ev.urgent = true
	case roleNoise:
		if !h.negated {
			ev.noiseSeen = true
		}
	}
}

// quote keeps the words of a hit once per signal.
func (s *state) quote(rec *sigEvidence, h hit) {
	q := s.a.quote(h.start, h.end)
	for _, o := range rec.quoted {
		if o == q {
			return
		}
	}
	rec.quoted = append(rec.quoted, q)
}

// weigh keeps the highest weight and danger of the hit's signal.
func (e *Engine) weigh(s *state, rec *sigEvidence, h hit) {
	sg := h.sig
	w := sg.weight
	if h.intent && sg.role == roleExploit {
		w *= e.th.intentFactor // offered or planned, not yet happening
	}
	if w > rec.best || (w < 0 && w < rec.best) {
		rec.best = w
	}
	if d := e.danger(s, h); d > rec.danger {
		rec.danger = d
	}
	if sg.category != "" && w > rec.cat {
		rec.cat = w
	}
}

// danger is the danger now a hit adds: none in a past clause, for a move
// without a time word, for a habit or for a holding already escaped; half
// when negated, never nothing.
func (e *Engine) danger(s *state, h hit) float64 {
	sg, a := h.sig, s.a
	if sg.danger <= 0 || sg.role == roleNow || sg.role == roleHere {
		return 0
	}
	d := sg.danger
	if h.negated {
		d /= 2 // negation lowers confidence, never erases danger
	}
	switch {
	case s.pastClause[h.clause] && !s.nowClause[h.clause]:
		return 0
	case sg.role == roleMove && !a.soonNear(h):
		return 0
	case sg.name == sigForcedAway && s.habitClause[h.clause]:
		return 0 // "todos los días lo obliga a subir al carro": a habit, not now
	case sg.indicator == indRestriction && sg.name != sigEscape && a.insideEscape(h):
		return 0 // "me escapé de donde me tenían encerrada": held before, not now
	}
	return d
}

// sum adds the signals' weights by role, once each.
func (s *state) sum() {
	ev := &s.ev
	for i, sg := range s.order {
		rec := &s.sigs[i]
		w := rec.best
		switch sg.role {
		case roleExploit:
			if !rec.active {
				ev.recruit += w // offered or planned only
			} else {
				ev.exploit += w
			}
		case roleRecruit:
			ev.recruit += w
		case roleMissing:
			ev.recruit += w
			ev.missing = ev.missing || w > 0
		case roleNoise:
			ev.noise += w
		}
		if strings.Contains(sg.indicator, "violence") && len(rec.quoted) > 0 {
			ev.violence = true
		}
		ev.danger += rec.danger
		if sg.role != roleMove && sg.indicator != indTransport {
			ev.personal += rec.danger // danger to a person where she is
		}
		if rec.danger > 0 {
			ev.dangerWords = append(ev.dangerWords, rec.quoted...)
		}
	}
	s.cat = map[string]float64{}
	for i, sg := range s.order {
		if c := s.sigs[i].cat; c > 0 {
			s.cat[sg.category] += c // weights are multiples of 1/8: the sum is exact in any order
		}
	}
}
