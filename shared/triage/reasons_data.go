package triage

import (
	"fmt"
	"io/fs"
	"strings"
)

// reasonKeys are the reason templates the rules say (data/reasons.txt).
var reasonKeys = []string{
	"rule", "minor", "escape", "escape_danger", "minor_now", "minor_now_sexual", "plea", "plea_words",
	"critical", "high", "high_actionable", "high_minor", "medium", "medium_past", "medium_missing",
	"medium_offer", "medium_indicators", "safety_floor", "family", "unexplained", "low", "low_other",
	"emergency", "emergency_family", "low_confidence", "confidence", "negation", "region",
}

// loadReasons reads data/reasons.txt: every key of reasonKeys once, no other.
func (e *Engine) loadReasons(fsys fs.FS) error {
	known := map[string]bool{}
	for _, k := range reasonKeys {
		known[k] = true
	}
	e.texts = map[string]string{}
	err := readLines(fsys, "data/reasons.txt", func(line string, _ int) error {
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok || k == "" || v == "":
			return fmt.Errorf("want \"key = text\", got %q", line)
		case !known[k]:
			return fmt.Errorf("unknown reason %q", k)
		case e.texts[k] != "":
			return fmt.Errorf("reason %q given twice", k)
		}
		e.texts[k] = v
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range reasonKeys {
		if e.texts[k] == "" {
			return fmt.Errorf("data/reasons.txt: reason %s is missing", k)
		}
	}
	return nil
}

// say fills the template key with args, one for each "{}".
func (e *Engine) say(key string, args ...string) string {
	s := e.texts[key]
	for _, a := range args {
		s = strings.Replace(s, "{}", a, 1)
	}
	return s
}
