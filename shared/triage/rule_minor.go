package triage

// ruleMinorName detects minors on their own, before and regardless of
// urgency or noise: child and school words, diminutives, and ages in every
// written form (findAges). No later rule clears the flag.
const ruleMinorName = "menor"

func (e *Engine) ruleMinor(s *state) {
	a := s.a
	for _, h := range a.hits {
		if h.sig.role == roleMinor && !a.adultAgeAfter(h) && !a.petNear(h) {
			s.minor = true
			s.minorWords = append(s.minorWords, a.quote(h.start, h.end))
		}
	}
	for _, ag := range a.ages {
		if ag.age < 18 {
			s.minor = true
			s.minorWords = append(s.minorWords, a.quote(ag.start, ag.end))
		}
	}
	if s.minor {
		s.fire(ruleMinorName, e.say("minor", joinWords(s.minorWords)))
	}
}

// sigPet names a pet: its diminutives ("mi perrito chiquito") are no child.
const sigPet = "pet"

// petNear reports whether a pet word is in the clause of h.
func (a *analysis) petNear(h hit) bool { return a.f.petClause[h.clause] }
