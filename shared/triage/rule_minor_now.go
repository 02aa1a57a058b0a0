package triage

// ruleMinorNowName: a minor sexually exploited or held at this very moment
// is in danger now: "ahorita", "anoche", or a child caught in the act
// ("hay una niña atendiendo", "las tienen sirviendo"), not a habit ("los
// fines de semana"). Any danger gets the bonus of a now or soon word.
const ruleMinorNowName = "menor_en_peligro_ahora"

func (e *Engine) ruleMinorNow(s *state) {
	ev, a := &s.ev, s.a
	if s.minor && ev.exploit > 0 && !s.pastOnly {
		switch {
		case ev.now && a.sexualOrHeld():
			ev.danger += e.th.minorNowDanger
			ev.dangerWords = append(ev.dangerWords, e.say("minor_now"))
			s.fire(ruleMinorNowName, e.say("minor_now"))
		case a.progressiveWork(s.pastClause) && a.sexual():
			ev.danger += e.th.minorNowDanger + e.th.nowDanger // the gerund is the "now"
			ev.dangerWords = append(ev.dangerWords, e.say("minor_now_sexual"))
			s.fire(ruleMinorNowName, e.say("minor_now_sexual"))
		}
	}
	if (ev.now || ev.soon) && ev.danger > 0 {
		ev.danger += e.th.nowDanger
	}
}
