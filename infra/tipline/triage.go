package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tipline/shared/triage"
)

const triageUsage = `usage:
  tipline triage < tips.jsonl          one decision per input line
  tipline triage -eval labelled.jsonl  score the engine on a labelled file
  tipline triage -eval a.jsonl b.jsonl ...  each set's figures, then leave-one-set-out

Input lines are JSON: {"id": "...", "channel": "sms|whatsapp", "text": "..."}.
Output lines are JSON: {"id", "urgency", "category", "minor", "immediate_danger",
"region", "place", "reportable", "language", "indicators", "reasons"}.
-eval prints the figures of score.py (CONTRACT.md), one a line, then
reportable_low (reportable messages decided low) and, when the set labels
it, emergency_accuracy. With several files: each set's figures under its
name, then for each set the figures over all the others
("leave-one-set-out"), then over all of them.
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
	if fs.NArg() > 0 && *evalFile == "" {
		fs.Usage()
		return fmt.Errorf("triage: unexpected argument %q", fs.Arg(0))
	}
	engine, err := triage.New()
	if err == nil {
		err = engine.Ready()
	}
	if err != nil {
		return err
	}
	if *evalFile != "" {
		return runTriageEval(engine, append([]string{*evalFile}, fs.Args()...), stdout)
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

func runTriageEval(engine *triage.Engine, paths []string, stdout io.Writer) error {
	var sets []triage.Set
	for _, path := range paths {
		labels, err := readLabelledFile(path)
		if err != nil {
			return err
		}
		sets = append(sets, triage.Set{Name: strings.TrimSuffix(filepath.Base(path), ".jsonl"), Labels: labels})
	}
	r := engine.EvaluateSets(sets)
	if len(sets) == 1 {
		return writeScores(stdout, r.Each[0])
	}
	for i, st := range sets {
		fmt.Fprintf(stdout, "== %s\n", st.Name)
		if err := writeScores(stdout, r.Each[i]); err != nil {
			return err
		}
	}
	for i, st := range sets {
		fmt.Fprintf(stdout, "== leave-one-set-out: all but %s\n", st.Name)
		if err := writeScores(stdout, r.LeftOut[i]); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "== all sets")
	return writeScores(stdout, r.All)
}

func writeScores(w io.Writer, s triage.Scores) error {
	if err := s.WriteText(w); err != nil {
		return err
	}
	return s.WriteExtra(w)
}

func readLabelledFile(path string) ([]triage.Labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	defer f.Close()
	labels, err := triage.ReadLabelled(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return labels, nil
}
