// Package consent decides when an adult victim is asked before anyone is
// told: a reportable tip written in the first person by the person being
// exploited, with no minor and no danger now, waits for its reporter's yes.
// Tips with a minor or with danger now are forwarded without asking; so is
// every tip not written in the first person.
package consent

import (
	_ "embed"
	"strings"
	"unicode"

	"tipline/shared/tip"
)

//go:embed data/self-report.txt
var selfReportFile string

var selfReportPhrases = parsePhrases(selfReportFile)

func parsePhrases(src string) []string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, " "+normalize(line)+" ")
	}
	return out
}

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

// SelfReport reports whether text reads as written by the person being
// exploited (first-person phrases from data/self-report.txt).
func SelfReport(text string) bool {
	n := " " + normalize(text) + " "
	for _, p := range selfReportPhrases {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// Needed reports whether a tip must wait for its reporter's yes before any
// authority is told: a reportable tip written by an adult victim with no
// immediate danger.
func Needed(t tip.Triage, text string) bool {
	return t.Reportable && !t.Minor && !t.ImmediateDanger && SelfReport(text)
}
