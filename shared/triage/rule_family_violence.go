package triage

import "tipline/shared/tip"

// ruleFamilyViolenceName: violence by a partner or a relative, locking in
// and control included, with no word of work, sale, transport or
// exploitation, is family violence: low, for the family-violence line
// (Línea 100), not for trafficking authorities. Danger now is the
// emergency rule's, not this one's.
const ruleFamilyViolenceName = "violencia_familiar"

func (e *Engine) ruleFamilyViolence(s *state) {
	s.family = s.a.familyViolenceOnly(len(s.minorEx) > 0)
	if !s.family {
		return
	}
	s.urgency = tip.Low
	s.fire(ruleFamilyViolenceName, e.say("family"))
}
