package triage

import "tipline/shared/tip"

// ruleEmergencyName: danger now to anyone, trafficking or not, is its own
// output, independent of urgency and category: the reply then gives the
// emergency numbers first.
const ruleEmergencyName = "emergencia"

func (e *Engine) ruleEmergency(s *state) {
	s.emergency = s.urgency == tip.Critical
}
