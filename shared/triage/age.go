package triage

// ageHit is an age read from a text ("14 años", "mi hija de 16", "(17)").
type ageHit struct {
	age        int
	start, end int
}

// findAges reads ages in digits or words (number words are digits after
// normalisation). A number is an age when a unit follows ("15 años", "14 o 15
// años", "12-year-old"), or when a cue precedes it ("de", "tiene", "ni",
// "about") and a person word ("hija", "chica", "girl") comes shortly before,
// or when it stands alone in brackets after a person word ("cousin (17)").
// A number followed by another unit ("15 soles", "2 semanas") or after a
// word of duration ("hace 2 años") is not an age.
func (e *Engine) findAges(a *analysis) []ageHit {
	toks := a.toks
	personBefore := func(i int) bool {
		// a person or minor word ending at one of the tokens i-5 to i
		for _, h := range a.startingIn(i-5-a.f.maxLen, i) {
			if h.end >= max(1, i-5) && h.end <= i && (h.sig.role == rolePerson || h.sig.role == roleMinor) {
				return true
			}
		}
		return false
	}
	var out []ageHit
	for i := 0; i < len(toks); i++ {
		n := toks[i].num
		if n < 0 || n > 99 {
			continue
		}
		if _, ok := a.startingAt(i+1, roleNotAge); ok && toks[i+1].clause == toks[i].clause {
			continue
		}
		if _, ok := a.endingAt(i, roleNotAge); ok && i > 0 && toks[i-1].clause == toks[i].clause {
			continue // "hace 2 años", "estuvo 3 años": a time, not an age
		}
		// A unit after the number, maybe after a second number of a range.
		j := i + 1
		for j < len(toks) && j <= i+3 && toks[j].clause == toks[i].clause {
			if u, ok := a.startingAt(j, roleAgeUnit); ok {
				out = append(out, ageHit{age: n, start: i, end: u.end})
				break
			}
			if toks[j].num < 0 && !connector[toks[j].key] {
				break
			}
			j++
		}
		if len(out) > 0 && out[len(out)-1].start == i {
			i = out[len(out)-1].end - 1
			continue
		}
		if n == 0 {
			continue
		}
		if _, ok := a.startingAt(i+1, rolePerson); ok {
			continue // a count of people ("tiene 3 niñitos"), not an age
		}
		if _, ok := a.startingAt(i+1, roleMinor); ok {
			continue
		}
		if cue, ok := a.endingAt(i, roleAgeCue); ok && cue.clause == toks[i].clause {
			next := i + 1
			strong := cue.sig.weight >= 2 || cue.sig.weight > 0 && (next >= len(toks) || toks[next].clause != toks[i].clause || connector[toks[next].key] || toks[next].num >= 0 || statementStart[toks[next].norm])
			if strong || personBefore(cue.start) {
				out = append(out, ageHit{age: n, start: cue.start, end: i + 1})
				continue
			}
		}
		alone := (i == 0 || toks[i-1].clause != toks[i].clause) && (i+1 >= len(toks) || toks[i+1].clause != toks[i].clause)
		if alone && i > 0 && personBefore(i) {
			out = append(out, ageHit{age: n, start: i - 1, end: i + 1})
		}
	}
	return out
}

// startingAt returns the first hit of role starting at token i.
func (a *analysis) startingAt(i int, role string) (hit, bool) {
	for _, h := range a.startingIn(i, i+1) {
		if h.sig.role == role {
			return h, true
		}
	}
	return hit{}, false
}

// endingAt returns the first hit of role ending at token i, in the order
// of the hits.
func (a *analysis) endingAt(i int, role string) (hit, bool) {
	for _, h := range a.startingIn(i-a.f.maxLen, i) {
		if h.end == i && h.sig.role == role {
			return h, true
		}
	}
	return hit{}, false
}

// statementStart are words that begin a new statement right after an age
// in an unpunctuated SMS ("tengo 17 toy en un bar", "tiene 15 estudia"):
// the number before them ends its clause.
var statementStart = map[string]bool{
	"estoy": true, "estamos": true, "esta": true, "soy": true, "vivo": true, "me": true, "mi": true,
	"no": true, "pero": true, "ayuda": true, "aqui": true, "aca": true, "ahorita": true,
	"and": true, "im": true, "i": true, "she": true, "he": true, "but": true,
}

// connector words that may stand between the numbers of an age range and
// its unit ("14 o 15 años", "15 a 20 años", "7 u 8 añitos").
var connector = map[string]bool{"o": true, "u": true, "y": true, "a": true, "or": true, "to": true, "and": true, "de": true}
