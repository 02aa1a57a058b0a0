package triage

import "tipline/shared/tip"

// ruleEmergencyName: danger now to anyone, trafficking or not (locked in
// and beaten by a partner, a child hit at this moment, people hurt), is
// its own output, independent of urgency and category: the reply then
// gives the emergency numbers first. Urgency, forwarding and
// immediate_danger keep following the trafficking contract.
const ruleEmergencyName = "emergencia"

func (e *Engine) ruleEmergency(s *state) {
	switch {
	case s.urgency == tip.Critical:
		s.emergency = true
	case !s.pastOnly && s.ev.personal >= e.th.emergencyDanger:
		s.emergency = true
		s.fire(ruleEmergencyName, e.say("emergency", joinWords(s.ev.dangerWords)))
	}
	if s.emergency && s.family {
		s.fire(ruleEmergencyName, e.say("emergency_family"))
	}
}
