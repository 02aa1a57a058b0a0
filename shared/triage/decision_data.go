package triage

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// loadDecision reads data/decision.txt: the thresholds of the rules and
// the benign noise list. Every threshold must be given once, every benign
// name must be a noise signal of signals.txt.
func (e *Engine) loadDecision(fsys fs.FS) error {
	fields := e.th.fields()
	set := map[string]bool{}
	e.benign = map[string]bool{}
	err := readLines(fsys, "data/decision.txt", func(line string, _ int) error {
		f := strings.Fields(line)
		switch {
		case f[0] == "threshold" && len(f) >= 3:
			p, ok := fields[f[1]]
			if !ok {
				return fmt.Errorf("unknown threshold %q", f[1])
			}
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				return fmt.Errorf("threshold %s: %v", f[1], err)
			}
			*p, set[f[1]] = v, true
		case f[0] == "benign" && len(f) >= 2:
			for _, n := range f[1:] {
				if s := e.signals[n]; s == nil || s.role != roleNoise {
					return fmt.Errorf("benign %q is not a noise signal of signals.txt", n)
				}
				e.benign[n] = true
			}
		default:
			return fmt.Errorf("want \"threshold NAME VALUE\" or \"benign NAME...\", got %q", line)
		}
		return nil
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !set[name] {
			return fmt.Errorf("data/decision.txt: threshold %s is missing", name)
		}
	}
	return nil
}
