package triage

import "strings"

// langOrder numbers the languages of data/languages.txt: bit i of
// Engine.langMask is langOrder[i].
var langOrder = [...]string{"es", "en", "qu", "ay"}

const (
	langES = 1 << iota
	langEN
	langQU
	langAY
)

// language guesses the language of a tip from the function words and
// common words listed in data/languages.txt: Spanish (es), English (en),
// Quechua (qu), Aymara (ay), or mixed when two are clearly present. A text
// with no known word is Spanish, the line's default.
func (e *Engine) language(toks []token) string {
	var count [len(langOrder)]int
	for i := range toks {
		t := &toks[i]
		if t.num >= 0 {
			continue
		}
		var mask uint8
		if t.id >= 0 && int(t.id) < len(e.langMask) {
			mask = e.langMask[t.id]
		}
		for bit := range count {
			if mask&(1<<bit) != 0 {
				count[bit]++
			}
		}
		if mask&(langES|langEN) != 0 {
			continue
		}
		for bit, lang := range []int{langQU, langAY} {
			if mask&uint8(lang) != 0 {
				continue
			}
			for _, suf := range e.langSuffixes[langOrder[bit+2]] {
				if len(t.norm) > len(suf)+2 && strings.HasSuffix(t.norm, suf) {
					count[bit+2]++
					break
				}
			}
		}
	}
	return pickLanguage(count[0], count[1], count[2], count[3])
}

// pickLanguage decides from the counts of words of each language.
func pickLanguage(es, en, qu, ay int) string {
	indig, indigLang := qu, "qu"
	if ay > qu {
		indig, indigLang = ay, "ay"
	}
	major, majorLang, other := es, "es", en
	if en > es {
		major, majorLang, other = en, "en", es
	}
	switch {
	case indig >= 2 && major >= 2:
		return "mixed"
	case indig >= 1 && major <= 1:
		return indigLang
	case major == 0:
		return "es"
	case other >= 3 && float64(other) >= 0.4*float64(major):
		return "mixed"
	}
	return majorLang
}
