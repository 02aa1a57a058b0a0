package triage

import (
	"strings"

	"tipline/shared/tip"
)

// ruleNoiseName: low needs positive evidence of noise (a greeting, thanks,
// a question about the campaign, spam, a test, another topic, family
// violence). A message about people that no rule explains is medium, for
// staff review before the other mediums.
const ruleNoiseName = "ruido"

func (e *Engine) ruleNoise(s *state) {
	if s.urgency != tip.Low || s.family {
		return
	}
	if !s.positiveNoise() && s.aboutPeople() {
		s.urgency, s.unexplained, s.review = tip.Medium, true, true
		s.fire(ruleNoiseName, e.say("unexplained"))
		return
	}
	why := e.say("low")
	if s.ev.noise < 0 {
		why = e.say("low_other")
	}
	s.fire(ruleNoiseName, why)
}

// positiveNoise reports whether the text shows what it is, if not a tip:
// a noise signal with weight (a question, spam, the campaign, another
// crime, a formal job, a pet...), or greetings, thanks or a question with
// no word of exploitation, recruitment, danger or violence.
func (s *state) positiveNoise() bool {
	switch {
	case s.benign:
		return true // family help, a school trip, a formal job... explain a child away
	case s.ev.noise < 0:
		// Weighted noise (a question, another crime) never hides a
		// child beside recruitment, work, a venue or transport.
		return !(s.minor && s.strongContent())
	}
	question := strings.ContainsAny(s.a.text, "?¿")
	return (s.ev.noiseSeen || question) && !s.strongContent()
}

// strongContent reports whether a word of exploitation, recruitment, a
// missing person, danger or violence is in the text, or a child beside
// work, a venue or transport.
func (s *state) strongContent() bool {
	for _, h := range s.a.hits {
		if h.negated {
			continue
		}
		switch h.sig.role {
		case roleExploit, roleRecruit, roleMissing, roleDanger, roleSupport:
			return true
		case roleMove, roleWork, rolePurpose:
			if s.minor {
				return true
			}
		}
	}
	return false
}

// aboutPeople reports whether the text tells of what happens to people: a
// minor, or any word of trafficking, danger, violence, transport, work or
// a place of exploitation. A bare person word ("jilatanaka", "tía") with
// nothing happening is not enough.
func (s *state) aboutPeople() bool {
	if s.minor {
		return true
	}
	for _, h := range s.a.hits {
		if h.negated {
			continue
		}
		switch h.sig.role {
		case roleExploit, roleRecruit, roleMissing, roleSupport, roleDanger, roleMove, roleWork, rolePurpose:
			return true
		}
	}
	return false
}
