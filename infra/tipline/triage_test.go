package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunTriageWritesOneDecisionPerLine(t *testing.T) {
	in := `{"id":"t1","channel":"sms","text":"ayudenme toy encerrada en un bar d mazuko, me kitaron el dni"}

{"id":"t2","channel":"whatsapp","text":"hola"}
`
	var out, errOut bytes.Buffer
	if err := runTriage(nil, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatalf("runTriage: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d output lines, want 2: %q", len(lines), out.String())
	}
	want := []struct{ id, urgency, region string }{{"t1", "critical", "PE-MDD"}, {"t2", "low", ""}}
	for i, line := range lines {
		var d map[string]any
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range []string{"id", "urgency", "category", "minor", "immediate_danger", "region", "place", "reportable", "language", "indicators", "reasons"} {
			if _, ok := d[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, line)
			}
		}
		if d["id"] != want[i].id || d["urgency"] != want[i].urgency || d["region"] != want[i].region {
			t.Errorf("line %d = %s, want id %s urgency %s region %q", i+1, line, want[i].id, want[i].urgency, want[i].region)
		}
	}
}

func TestRunTriageNamesTheBadLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not JSON", "{\"id\":\"a\",\"text\":\"hola\"}\nhola\n", "line 2"},
		{"no id", "{\"text\":\"hola\"}\n", "line 1: missing \"id\""},
		{"no text", "{\"id\":\"a\"}\n", "line 1 (id a): missing \"text\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runTriage(nil, strings.NewReader(tt.in), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("runTriage: got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestRunTriageEvalPrintsTheContractFigures(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runTriage([]string{"-eval", filepath.Join(repoTestdata, "corpus.jsonl")}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("runTriage -eval: %v", err)
	}
	for _, name := range []string{"messages               120", "critical_recall", "under_triage_rate", "category_accuracy"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("output lacks %q:\n%s", name, out.String())
		}
	}
	if err := runTriage([]string{"-eval", "does-not-exist.jsonl"}, strings.NewReader(""), &out, &errOut); err == nil {
		t.Errorf("runTriage -eval on a missing file: got no error")
	}
}

func TestRunTriageEvalOfSeveralSetsPrintsEachAndLeaveOneOut(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := repoTestdata + string(filepath.Separator)
	if err := runTriage([]string{"-eval", dir + "corpus.jsonl", dir + "heldout2.jsonl", dir + "heldout7.jsonl"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("runTriage -eval of three sets: %v", err)
	}
	for _, want := range []string{"== corpus\nmessages               120", "== heldout2\nmessages               24",
		"== heldout7\nmessages               50", "== leave-one-set-out: all but corpus\nmessages               74",
		"== leave-one-set-out: all but heldout7\nmessages               144", "== all sets\nmessages               194",
		"reportable_low", "emergency_accuracy"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// repoTestdata is the triage test data of this repository, from this
// package's folder.
var repoTestdata = filepath.Join("..", "..", "shared", "triage", "testdata")
