package tip

import (
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
