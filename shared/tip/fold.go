package tip

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// StripAccents removes combining marks ("niña" → "nina", "código" →
// "codigo"), as people type on cheap phones; case is kept. A transformer
// keeps state, so one is built per call: StripAccents is safe for
// concurrent use.
func StripAccents(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		return s
	}
	return out
}

// Fold lower-cases s and strips its accents, for comparisons that ignore
// both ("NIÑA" and "nina" fold alike).
func Fold(s string) string { return strings.ToLower(StripAccents(s)) }

// Words folds s and turns every run of characters that are not letters or
// digits into one space, trimmed at both ends ("¡Sí, ACK!" → "si ack"): the
// form in which phrases and commands are compared.
func Words(s string) string {
	out := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, StripAccents(s))
	return strings.Join(strings.Fields(out), " ")
}
