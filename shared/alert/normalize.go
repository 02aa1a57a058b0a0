package alert

import (
	"strings"
	"unicode"

	"tipline/shared/tip"
)

// normalize lower-cases s, drops accents and turns everything that is not
// a letter or digit into single spaces.
func normalize(s string) string {
	out := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, tip.StripAccents(s))
	return strings.Join(strings.Fields(out), " ")
}
