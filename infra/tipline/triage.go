package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"tipline/shared/triage"
)

const triageUsage = `usage:
  tipline triage < tips.jsonl          one decision per input line
  tipline triage -eval labelled.jsonl  score the engine on a labelled file

Input lines are JSON: {"id": "...", "channel": "sms|whatsapp", "text": "..."}.
Output lines are JSON: {"id", "urgency", "category", "minor", "immediate_danger",
"region", "place", "reportable", "language", "indicators", "reasons"}.
-eval prints the figures of score.py (CONTRACT.md), one a line.
`

// triageInput is one line read by `tipline triage`.
type triageInput struct {
	ID      string  `json:"id"`
	Channel string  `json:"channel"`
	Text    *string `json:"text"`
}

// runTriage implements `tipline triage`: decisions for JSON lines on stdin,
// or with -eval FILE the figures of the triage contract on a labelled file.
// A bad input line stops the run with an error naming the line; decisions
// already written stay written.
func runTriage(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, triageUsage); fs.PrintDefaults() }
	evalFile := fs.String("eval", "", "labelled JSON-lines file (like dev.jsonl) to score the engine on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("triage: unexpected argument %q", fs.Arg(0))
	}
	engine, err := triage.New()
	if err != nil {
		return err
	}
	if *evalFile != "" {
		return runTriageEval(engine, *evalFile, stdout)
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var in triageInput
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			return fmt.Errorf("triage: input line %d: not a JSON object {\"id\",\"channel\",\"text\"}: %v", n, err)
		}
		if in.ID == "" {
			return fmt.Errorf("triage: input line %d: missing \"id\"", n)
		}
		if in.Text == nil {
			return fmt.Errorf("triage: input line %d (id %s): missing \"text\"", n, in.ID)
		}
		if err := enc.Encode(triage.Prediction{ID: in.ID, Triage: engine.Decide(*in.Text)}); err != nil {
			return fmt.Errorf("triage: write decision for line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("triage: input line %d: %w", n+1, err)
	}
	return nil
}

func runTriageEval(engine *triage.Engine, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("triage: %w", err)
	}
	defer f.Close()
	labels, err := triage.ReadLabelled(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	scores, _ := engine.Evaluate(labels)
	return scores.WriteText(stdout)
}
