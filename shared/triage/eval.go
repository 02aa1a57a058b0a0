package triage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"tipline/shared/tip"
)

// Labels are the expected decision of a labelled message (CONTRACT.md).
type Labels struct {
	Urgency         string `json:"urgency"`
	Category        string `json:"category"`
	Minor           bool   `json:"minor"`
	ImmediateDanger bool   `json:"immediate_danger"`
	Region          string `json:"region"`
	Reportable      bool   `json:"reportable"`
	Language        string `json:"language"`
}

// Labelled is one line of a labelled corpus such as dev.jsonl.
type Labelled struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
	Labels  Labels `json:"labels"`
}

// Prediction is one decision line as `tipline triage` writes it.
type Prediction struct {
	ID string `json:"id"`
	tip.Triage
}

// ReadLabelled reads a labelled JSON-lines corpus. Blank lines are skipped;
// a malformed line or a line without id is an error of kind invalid that
// names the line.
func ReadLabelled(r io.Reader) ([]Labelled, error) {
	var out []Labelled
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l Labelled
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return nil, tip.Errorf(tip.KindInvalid, "triage: read labelled", "line %d: %v", n, err)
		}
		if l.ID == "" {
			return nil, tip.Errorf(tip.KindInvalid, "triage: read labelled", "line %d: no id", n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, tip.Errorf(tip.KindInvalid, "triage: read labelled", "line %d: %v", n+1, err)
	}
	return out, nil
}

// Scores are the figures of CONTRACT.md over a set, in the order and under
// the names that score.py prints them. A ratio with an empty denominator
// is NaN, as in score.py.
type Scores struct {
	Messages            int
	MissingPredictions  int
	CriticalRecall      float64
	ReportableRecall    float64
	ReportablePrecision float64
	UnderTriageRate     float64
	FalseForwardRate    float64
	UrgencyAccuracy     float64
	RegionAccuracy      float64
	MinorF1             float64
	CategoryAccuracy    float64
}

func ratio(n, d int) float64 {
	if d == 0 {
		return math.NaN()
	}
	return float64(n) / float64(d)
}

func sameRegion(a, b string) bool {
	a, b = strings.ToUpper(a), strings.ToUpper(b)
	lima := func(s string) bool { return s == "PE-LMA" || s == "PE-LIM" }
	return a == b || (lima(a) && lima(b))
}

// Score compares predictions with labels exactly as score.py does
// (PE-LMA and PE-LIM count as the same region; a later prediction for the
// same id replaces an earlier one).
func Score(labels []Labelled, preds []Prediction) Scores {
	byID := map[string]Prediction{}
	for _, p := range preds {
		byID[p.ID] = p
	}
	s := Scores{Messages: len(labels)}
	var crit, critOK, rep, repOK, predRep, predRepOK, low, lowFwd, ch, chUnder, rows, urgOK, reg, regOK, catOK, tp, fp, fn int
	for _, l := range labels {
		p, ok := byID[l.ID]
		if !ok {
			s.MissingPredictions++
			continue
		}
		L := l.Labels
		rows++
		if L.Urgency == string(tip.Critical) {
			crit++
			if p.Urgency == tip.Critical {
				critOK++
			}
		}
		if L.Reportable {
			rep++
			if p.Reportable {
				repOK++
			}
		}
		if p.Reportable {
			predRep++
			if L.Reportable {
				predRepOK++
			}
		}
		if L.Urgency == string(tip.Low) {
			low++
			if p.Reportable {
				lowFwd++
			}
		}
		if L.Urgency == string(tip.Critical) || L.Urgency == string(tip.High) {
			ch++
			if p.Urgency == tip.Medium || p.Urgency == tip.Low {
				chUnder++
			}
		}
		if string(p.Urgency) == L.Urgency {
			urgOK++
		}
		if L.Region != "" {
			reg++
			if sameRegion(L.Region, p.Region) {
				regOK++
			}
		}
		switch {
		case L.Minor && p.Minor:
			tp++
		case !L.Minor && p.Minor:
			fp++
		case L.Minor && !p.Minor:
			fn++
		}
		if p.Category == L.Category {
			catOK++
		}
	}
	s.CriticalRecall = ratio(critOK, crit)
	s.ReportableRecall = ratio(repOK, rep)
	s.ReportablePrecision = ratio(predRepOK, predRep)
	s.UnderTriageRate = ratio(chUnder, ch)
	s.FalseForwardRate = ratio(lowFwd, low)
	s.UrgencyAccuracy = ratio(urgOK, rows)
	s.RegionAccuracy = ratio(regOK, reg)
	s.MinorF1 = ratio(2*tp, 2*tp+fp+fn)
	s.CategoryAccuracy = ratio(catOK, rows)
	return s
}

// Figures returns the scores as (name, value) pairs in score.py's order;
// values are int or float64.
func (s Scores) Figures() []Figure {
	return []Figure{
		{"messages", s.Messages}, {"missing_predictions", s.MissingPredictions},
		{"critical_recall", s.CriticalRecall}, {"reportable_recall", s.ReportableRecall},
		{"reportable_precision", s.ReportablePrecision}, {"under_triage_rate", s.UnderTriageRate},
		{"false_forward_rate", s.FalseForwardRate}, {"urgency_accuracy", s.UrgencyAccuracy},
		{"region_accuracy", s.RegionAccuracy}, {"minor_f1", s.MinorF1},
		{"category_accuracy", s.CategoryAccuracy},
	}
}

// Figure is one named score.
type Figure struct {
	Name  string
	Value any
}

// WriteText prints one figure a line exactly as score.py does
// (name padded to 22, floats with three decimals, NaN as "nan").
func (s Scores) WriteText(w io.Writer) error {
	for _, f := range s.Figures() {
		var err error
		switch v := f.Value.(type) {
		case float64:
			val := fmt.Sprintf("%.3f", v)
			if math.IsNaN(v) {
				val = "nan"
			}
			_, err = fmt.Fprintf(w, "%-22s %s\n", f.Name, val)
		default:
			_, err = fmt.Fprintf(w, "%-22s %v\n", f.Name, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Evaluate triages every labelled message and scores the decisions.
func (e *Engine) Evaluate(labels []Labelled) (Scores, []Prediction) {
	preds := make([]Prediction, 0, len(labels))
	for _, l := range labels {
		preds = append(preds, Prediction{ID: l.ID, Triage: e.Decide(l.Text)})
	}
	return Score(labels, preds), preds
}
