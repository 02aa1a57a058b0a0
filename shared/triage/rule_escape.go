package triage

// ruleEscapeName: an escape from those who held her, with someone
// searching for her, her hiding, afraid or threatened, is danger now, not
// a resolved case; an escape with safety words ("ya estoy en mi casa") is
// past.
const ruleEscapeName = "fuga"

func (e *Engine) ruleEscape(s *state) {
	s.escaped, s.safe = s.a.escapeNow()
	if s.escaped && !s.safe {
		if sg := e.signals[sigEscape]; sg != nil {
			s.ev.danger += e.th.escapeDanger
			s.ev.dangerWords = append(s.ev.dangerWords, e.say("escape_danger", sg.description))
			s.fire(ruleEscapeName, e.say("escape"))
		}
	}
	s.pastOnly = (s.ev.past || s.escaped && s.safe) && !s.ev.present && !s.ev.now
}
