package triage

import (
	"fmt"
	"math"

	"tipline/shared/tip"
)

// ruleConfidenceName says how sure the decision is, from how far the
// evidence is from the threshold that decided the urgency: 0.5 on the
// threshold, 1 at twice it. A decision taken by a floor (the safety floor,
// an unexplained message) is unsure. A reportable decision below the
// low_confidence threshold is flagged for staff review as well as
// forwarded.
const ruleConfidenceName = "confianza"

func (e *Engine) ruleConfidence(s *state) {
	th, ev := e.th, s.ev
	margin := func(v, limit float64) float64 {
		if limit <= 0 {
			return 1
		}
		return 0.5 + 0.5*math.Max(-1, math.Min(1, (v-limit)/limit))
	}
	c := 1.0
	switch {
	case s.unexplained:
		c = 0.3
	case s.urgency == tip.Critical:
		c = margin(ev.danger, th.minDanger)
	case s.urgency == tip.High:
		c = margin(ev.exploit, th.minExploitHigh)
		if s.minor {
			c = math.Max(c, margin(ev.exploit, th.minExploitKid))
		}
	case s.urgency == tip.Medium && s.floor && !s.trafficking:
		c = 0.4
	case s.urgency == tip.Medium:
		total := ev.exploit + ev.recruit + ev.noise
		c = math.Min(margin(total, th.minEvidence), 1-0.5*ev.exploit/th.minExploitHigh)
	case s.family:
		c = 0.9
	default:
		c = math.Min(1, 0.6-ev.noise/5)
	}
	s.confidence = math.Round(math.Max(0.05, math.Min(1, c))*100) / 100
	if s.urgency.Reportable() && s.confidence < th.lowConfidence {
		s.review = true
		s.fire(ruleConfidenceName, e.say("low_confidence"))
	}
	s.fire(ruleConfidenceName, e.say("confidence", fmt.Sprintf("%.2f", s.confidence)))
}
