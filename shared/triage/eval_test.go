package triage

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tipline/shared/tip"
)

func TestScore(t *testing.T) {
	labels := []Labelled{
		{ID: "a", Labels: Labels{Urgency: "critical", Reportable: true, Minor: true, Region: "PE-LMA", Category: "sexual"}},
		{ID: "b", Labels: Labels{Urgency: "high", Reportable: true, Region: "PE-CUS", Category: "labor"}},
		{ID: "c", Labels: Labels{Urgency: "low", Category: "none"}},
		{ID: "d", Labels: Labels{Urgency: "medium", Category: "unknown"}},
	}
	preds := []Prediction{
		{ID: "a", Triage: tip.Triage{Urgency: tip.High, Reportable: true, Minor: true, Region: "PE-LIM", Category: "sexual"}},
		{ID: "b", Triage: tip.Triage{Urgency: tip.Medium, Region: "PE-MDD", Category: "labor"}},
		{ID: "c", Triage: tip.Triage{Urgency: tip.High, Reportable: true, Minor: true, Category: "unknown"}},
	}
	got := Score(labels, preds)
	want := Scores{
		Messages: 4, MissingPredictions: 1,
		CriticalRecall: 0, ReportableRecall: 0.5, ReportablePrecision: 0.5,
		UnderTriageRate: 0.5, FalseForwardRate: 1, UrgencyAccuracy: 0,
		RegionAccuracy: 0.5, MinorF1: 2.0 / 3, CategoryAccuracy: 2.0 / 3,
	}
	if !math.IsNaN(got.EmergencyAccuracy) {
		t.Errorf("emergency accuracy of a set that does not label it = %v, want NaN", got.EmergencyAccuracy)
	}
	got.EmergencyAccuracy = 0
	if got != want {
		t.Errorf("Score = %+v, want %+v", got, want)
	}
	var buf bytes.Buffer
	if err := Score(nil, nil).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "critical_recall        nan\n") {
		t.Errorf("empty set: got %q, want nan figures as score.py prints them", buf.String())
	}
}

// TestScoreMatchesScorePy runs the engine over the regression corpus and
// checks that Score and WriteText give exactly what score.py gives, when
// python3 and the handbook (../shared beside the checkout) are there.
func TestScoreMatchesScorePy(t *testing.T) {
	script := "../../../shared/triage/score.py"
	if _, err := os.Stat(script); err != nil {
		t.Skip("score.py not beside the checkout")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	labels := readCorpus(t)
	scores, preds := mustEngine(t).Evaluate(labels)
	dir := t.TempDir()
	predPath := filepath.Join(dir, "pred.jsonl")
	var buf bytes.Buffer
	for _, p := range preds {
		line, _ := json.Marshal(p)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(predPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command(python, script, "testdata/corpus.jsonl", predPath).Output()
	if err != nil {
		t.Fatalf("score.py: %v", err)
	}
	var got bytes.Buffer
	if err := scores.WriteText(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != string(text) {
		t.Errorf("WriteText:\n%s\nscore.py:\n%s", got.String(), text)
	}
	js, err := exec.Command(python, script, "testdata/corpus.jsonl", predPath, "--json").Output()
	if err != nil {
		t.Fatalf("score.py --json: %v", err)
	}
	var py map[string]float64
	if err := json.Unmarshal(js, &py); err != nil {
		t.Fatalf("score.py --json output: %v", err)
	}
	for _, f := range scores.Figures() {
		var v float64
		switch x := f.Value.(type) {
		case int:
			v = float64(x)
		case float64:
			v = x
		}
		if math.Abs(v-py[f.Name]) > 1e-12 {
			t.Errorf("%s: Go %v, score.py %v", f.Name, v, py[f.Name])
		}
	}
}

func TestReadLabelledNamesTheBadLine(t *testing.T) {
	_, err := ReadLabelled(strings.NewReader("{\"id\":\"a\",\"text\":\"x\"}\n\n{not json\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !tip.Is(err, tip.KindInvalid) {
		t.Errorf("ReadLabelled: got %v, want an invalid error naming line 3", err)
	}
}
