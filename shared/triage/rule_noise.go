package triage

import "tipline/shared/tip"

// ruleNoiseName: low needs positive evidence of noise (a greeting, thanks,
// a question about the campaign, spam, a test, another topic, family
// violence). A message about people that no rule explains is medium, for
// staff review before the other mediums.
const ruleNoiseName = "ruido"

func (e *Engine) ruleNoise(s *state) {
	if s.urgency != tip.Low || s.family {
		return
	}
	why := "sin indicios de trata"
	if s.ev.noise < 0 {
		why = "sin indicios de trata; mensaje de otro tipo"
	}
	s.fire(ruleNoiseName, "urgencia baja: "+why)
}
