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
	// Emergency (beyond CONTRACT.md, in the project's own held-out sets):
	// anyone in danger now, trafficking or not.
	Emergency *bool `json:"emergency,omitempty"`
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
	// Beyond score.py: reportable messages decided low (must be none), and
	// the emergency output where a set labels it (NaN otherwise).
	ReportableLow     int
	EmergencyAccuracy float64
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
	var t tally
	for _, l := range labels {
		p, ok := byID[l.ID]
		if !ok {
			s.MissingPredictions++
			continue
		}
		t.add(l.Labels, p)
	}
	t.into(&s)
	return s
}

// tally counts what the figures are ratios of.
type tally struct {
	crit, critOK, rep, repOK, predRep, predRepOK, low, lowFwd, ch, chUnder int
	rows, urgOK, reg, regOK, catOK, tp, fp, fn, repLow, em, emOK           int
}

func (t *tally) add(L Labels, p Prediction) {
	t.rows++
	count := func(cond, ok bool, n, nOK *int) {
		if cond {
			*n++
			if ok {
				*nOK++
			}
		}
	}
	count(L.Urgency == string(tip.Critical), p.Urgency == tip.Critical, &t.crit, &t.critOK)
	count(L.Reportable, p.Reportable, &t.rep, &t.repOK)
	count(p.Reportable, L.Reportable, &t.predRep, &t.predRepOK)
	count(L.Urgency == string(tip.Low), p.Reportable, &t.low, &t.lowFwd)
	count(L.Urgency == string(tip.Critical) || L.Urgency == string(tip.High),
		p.Urgency == tip.Medium || p.Urgency == tip.Low, &t.ch, &t.chUnder)
	count(L.Region != "", sameRegion(L.Region, p.Region), &t.reg, &t.regOK)
	count(L.Emergency != nil, L.Emergency != nil && *L.Emergency == p.Emergency, &t.em, &t.emOK)
	if string(p.Urgency) == L.Urgency {
		t.urgOK++
	}
	if p.Category == L.Category {
		t.catOK++
	}
	if L.Reportable && p.Urgency == tip.Low {
		t.repLow++
	}
	switch {
	case L.Minor && p.Minor:
		t.tp++
	case !L.Minor && p.Minor:
		t.fp++
	case L.Minor && !p.Minor:
		t.fn++
	}
}

func (t *tally) into(s *Scores) {
	s.CriticalRecall = ratio(t.critOK, t.crit)
	s.ReportableRecall = ratio(t.repOK, t.rep)
	s.ReportablePrecision = ratio(t.predRepOK, t.predRep)
	s.UnderTriageRate = ratio(t.chUnder, t.ch)
	s.FalseForwardRate = ratio(t.lowFwd, t.low)
	s.UrgencyAccuracy = ratio(t.urgOK, t.rows)
	s.RegionAccuracy = ratio(t.regOK, t.reg)
	s.MinorF1 = ratio(2*t.tp, 2*t.tp+t.fp+t.fn)
	s.CategoryAccuracy = ratio(t.catOK, t.rows)
	s.ReportableLow = t.repLow
	s.EmergencyAccuracy = ratio(t.emOK, t.em)
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

// WriteExtra prints the figures beyond score.py's: reportable messages
// decided low, and emergency accuracy when the set labels it.
func (s Scores) WriteExtra(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%-22s %d\n", "reportable_low", s.ReportableLow); err != nil {
		return err
	}
	if math.IsNaN(s.EmergencyAccuracy) {
		return nil
	}
	_, err := fmt.Fprintf(w, "%-22s %.3f\n", "emergency_accuracy", s.EmergencyAccuracy)
	return err
}

// Set is a named labelled set.
type Set struct {
	Name   string
	Labels []Labelled
}

// SetScores are the figures of each set, then leave-one-set-out: the
// figures over all sets but one, for each, and over all of them. For
// rules written by hand, leaving a set out shows how much the figures
// lean on any one set.
type SetScores struct {
	Each, LeftOut []Scores
	All           Scores
}

// EvaluateSets triages every message of every set once and scores each
// set, each leave-one-set-out union and the union of all. Ids are scored
// per set, so two sets may reuse an id.
func (e *Engine) EvaluateSets(sets []Set) SetScores {
	var out SetScores
	preds := make([][]Prediction, len(sets))
	for i, st := range sets {
		var sc Scores
		sc, preds[i] = e.Evaluate(st.Labels)
		out.Each = append(out.Each, sc)
	}
	union := func(skip int) Scores {
		var ls []Labelled
		var ps []Prediction
		for i, st := range sets {
			if i == skip {
				continue
			}
			for k, l := range st.Labels {
				id := fmt.Sprintf("%d/%s", i, l.ID)
				l.ID = id
				ls = append(ls, l)
				p := preds[i][k]
				p.ID = id
				ps = append(ps, p)
			}
		}
		return Score(ls, ps)
	}
	for i := range sets {
		out.LeftOut = append(out.LeftOut, union(i))
	}
	out.All = union(-1)
	return out
}
