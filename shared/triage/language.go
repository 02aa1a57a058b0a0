package triage

import "strings"

// language guesses the language of a tip from the function words and
// common words listed in data/languages.txt: Spanish (es), English (en),
// Quechua (qu), Aymara (ay), or mixed when two are clearly present. A text
// with no known word is Spanish, the line's default.
func (e *Engine) language(toks []token) string {
	count := map[string]int{}
	for _, t := range toks {
		if t.num >= 0 {
			continue
		}
		for lang, words := range e.langWords {
			if words[t.key] {
				count[lang]++
			}
		}
		if e.langWords["es"][t.key] || e.langWords["en"][t.key] {
			continue
		}
		for _, lang := range []string{"qu", "ay"} {
			if e.langWords[lang][t.key] {
				continue
			}
			for _, suf := range e.langSuffixes[lang] {
				if len(t.norm) > len(suf)+2 && strings.HasSuffix(t.norm, suf) {
					count[lang]++
					break
				}
			}
		}
	}
	es, en, qu, ay := count["es"], count["en"], count["qu"], count["ay"]
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
