package triage

import (
	"strings"

	"tipline/shared/tip"
)

// ruleSafetyFloorName: a minor beside work, a venue, transport, a sexual
// context or control is never low, unless the text reads as benign (family
// help, a formal job, a school trip, a resolved case).
const ruleSafetyFloorName = "piso_de_seguridad"

func (e *Engine) ruleSafetyFloor(s *state) {
	words, strong := s.a.minorAtRisk(s.minor)
	s.floorWords = words
	s.floor = len(words) > 0 && !s.benign && (strong || s.ev.noise == 0)
	if s.urgency != tip.Low || !s.floor {
		return
	}
	s.urgency = tip.Medium
	if sg := e.signals[sigMinorAtRisk]; sg != nil {
		s.derived = append(s.derived, sg.description+": "+strings.Join(uniq(words), ", "))
	}
	s.fire(ruleSafetyFloorName, e.say("safety_floor"))
}
