package triage

// ruleConfidenceName says how sure the decision is: how far the evidence
// is from the threshold that decided the urgency.
const ruleConfidenceName = "confianza"

func (e *Engine) ruleConfidence(s *state) {
	s.confidence = 1
}
