package triage

import "tipline/shared/tip"

// reasons lists, Spanish first, the rules that fired, then the words
// behind the decision, and the indicators they point to.
func (e *Engine) reasons(s *state, t tip.Triage) ([]string, []string) {
	var out []string
	inds := []string{}
	seen := map[string]bool{}
	addInd := func(x string) {
		if x != "" && !seen[x] {
			seen[x] = true
			inds = append(inds, x)
		}
	}
	out = append(out, s.fired...)
	if t.Minor {
		addInd("minor")
	}
	out = append(out, s.derived...)
	if len(s.minorEx) > 0 && len(s.derived) > 0 && t.Urgency != tip.Low {
		addInd(e.signals[sigMinorExploitation].indicator)
	}
	for i, sg := range s.order {
		rec := &s.sigs[i]
		if !e.reasonShown(s, sg, rec, t) {
			continue
		}
		out = append(out, sg.description+": "+joinQuoted(rec.quoted))
		if sg.weight > 0 || rec.danger > 0 {
			addInd(sg.indicator)
		}
	}
	a := s.a
	if t.Urgency != tip.Low {
		for _, h := range a.hits {
			if h.negated && h.sig.weight > 0 {
				out = append(out, e.say("negation", a.quote(h.start, h.end)))
			}
		}
	}
	if p := a.place; p != nil {
		out = append(out, e.say("region", t.Region, p.a.name, a.quote(p.start, p.end)))
	}
	return out, inds
}

// reasonShown reports whether the words of a signal are shown among the
// reasons: evidence, danger and time words, and in a low decision only
// the noise.
func (e *Engine) reasonShown(s *state, sg *signal, rec *sigEvidence, t tip.Triage) bool {
	if len(rec.quoted) == 0 {
		return false
	}
	switch sg.role {
	case roleExploit, roleRecruit, roleMissing, roleSupport, roleDanger, roleMove, roleNoise, rolePurpose, rolePast, roleHedge, roleIntent:
	default:
		return false
	}
	if t.Urgency == tip.Low && sg.role != roleNoise {
		return false
	}
	return sg.name != sigFamilyViolence || s.family
}

func joinQuoted(q []string) string {
	out := ""
	for i, x := range q {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
