package triage

import "tipline/shared/tip"

// ruleLevelName sets the trafficking urgency from the evidence (CONTRACT):
// critical with danger now, high with exploitation going on and something
// to act on (or a minor in exploitation), medium with indicators only, low
// without trafficking evidence (the noise rule then asks for positive
// evidence of noise).
const ruleLevelName = "nivel"

func (e *Engine) ruleLevel(s *state) {
	ev, a, th := &s.ev, s.a, e.th
	s.floorWords, s.floor = nil, false
	s.benign = a.benignNoise(e.benign)
	total := ev.exploit + ev.recruit + ev.noise
	if ev.hedge {
		total -= th.hedgePenalty
	}
	// A question ("¿a quién llamo?") never hides a child in exploitation.
	s.trafficking = total >= th.minEvidence || (len(s.minorEx) > 0 && !s.benign)
	s.actionable = ev.actionable || (a.place != nil && placeKinds[a.place.a.kind] >= 3)
	// Any minor in ongoing exploitation is at least high (CONTRACT).
	kidHigh := (s.minor && ev.exploit >= th.minExploitKid && (s.actionable || ev.exploit >= th.minExploitHigh) &&
		!(ev.missing && ev.exploit < th.minExploitHigh && !a.heldIncommunicado())) || (len(s.minorEx) > 0 && !s.benign && !ev.missing)
	switch {
	case !s.trafficking:
		s.urgency = tip.Low
	case ev.danger >= th.minDanger:
		s.urgency = tip.Critical
		s.fire(ruleLevelName, e.say("critical", joinWords(ev.dangerWords)))
	case !s.pastOnly && ev.exploit >= th.minExploitHigh && s.actionable && !(ev.missing && ev.exploit < th.minExploitHigh+0.5):
		s.urgency = tip.High
		s.fire(ruleLevelName, e.say("high", e.say("high_actionable")))
	case !s.pastOnly && kidHigh:
		s.urgency = tip.High
		why := e.say("high_actionable")
		if !s.actionable {
			why = e.say("high_minor")
		}
		s.fire(ruleLevelName, e.say("high", why))
	default:
		s.urgency = tip.Medium
		s.fire(ruleLevelName, e.say("medium", s.mediumWhy()))
	}
}

// mediumWhy says why trafficking evidence stays medium.
func (s *state) mediumWhy() string {
	switch {
	case s.pastOnly:
		return s.e.say("medium_past")
	case s.ev.missing:
		return s.e.say("medium_missing")
	case s.ev.exploit == 0:
		return s.e.say("medium_offer")
	}
	return s.e.say("medium_indicators")
}
