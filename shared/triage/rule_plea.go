package triage

// rulePleaName: a victim asking to be rescued is critical (CONTRACT): a
// plea for help beside exploitation going on, by the victim or for her.
const rulePleaName = "pedido_de_rescate"

func (e *Engine) rulePlea(s *state) {
	ev, a := &s.ev, s.a
	if s.pastOnly || ev.exploit < e.th.minExploitHigh || ev.danger >= e.th.minDanger {
		return
	}
	for _, h := range a.hits {
		if h.sig.name == sigHelp && !h.negated && !s.pastClause[h.clause] {
			ev.danger = e.th.minDanger
			ev.dangerWords = append(ev.dangerWords, e.say("plea_words", a.quote(h.start, h.end)))
			s.fire(rulePleaName, e.say("plea"))
			return
		}
	}
}
