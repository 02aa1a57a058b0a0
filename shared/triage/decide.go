package triage

import (
	"strings"

	"tipline/shared/tip"
)

// A decision is an ordered pipeline of small named rules over the
// evidence found in a text. Each rule reads and writes the decision state
// and, when it fires, says so in the reasons under its own name, so that a
// reader of a decision knows which rule made it. The order is the order
// of the list: later rules see what earlier ones decided. Rules that set
// the minor flag or danger now come before the rules that set the
// urgency, and no rule clears the minor flag once set.

// rule is one named step of the decision.
type rule struct {
	name  string
	apply func(e *Engine, s *state)
}

// pipeline is the order of the rules. Each rule lives in its own file
// (rule_<name>.go) with its own tests.
var pipeline = []rule{
	{ruleMinorName, (*Engine).ruleMinor},
	{ruleMinorExploitationName, (*Engine).ruleMinorExploitation},
	{ruleEscapeName, (*Engine).ruleEscape},
	{ruleMinorNowName, (*Engine).ruleMinorNow},
	{rulePleaName, (*Engine).rulePlea},
	{ruleLevelName, (*Engine).ruleLevel},
	{ruleSafetyFloorName, (*Engine).ruleSafetyFloor},
	{ruleFamilyViolenceName, (*Engine).ruleFamilyViolence},
	{ruleNoiseName, (*Engine).ruleNoise},
	{ruleEmergencyName, (*Engine).ruleEmergency},
	{ruleCategoryName, (*Engine).ruleCategory},
	{ruleConfidenceName, (*Engine).ruleConfidence},
}

// evidence sums the weights of the signals found, each signal once.
type evidence struct {
	exploit, recruit, noise float64
	noiseSeen               bool // a noise signal was found, whatever its weight
	missing                 bool
	danger                  float64
	personal                float64 // danger to a person where she is: not being moved
	dangerWords             []string
	past, present           bool
	now, soon               bool
	actionable              bool
	hedge                   bool
	violence                bool
	urgent                  bool
}

// sigEvidence is what the hits of one signal show: its highest weight
// and danger, its highest positive weight toward its category, and its
// words, each once.
type sigEvidence struct {
	best, danger, cat float64
	quoted            []string
	active            bool // a hit neither negated nor offered or planned
}

// state is the decision under way: the analysis, the evidence and what
// the rules have decided so far.
type state struct {
	e  *Engine
	a  *analysis
	ev evidence

	pastClause, nowClause, habitClause map[int]bool
	order                              []*signal     // signals in order of first hit
	sigs                               []sigEvidence // what each signal of order shows
	slot                               []int32       // by signal idx: 1 + its place in order, 0 if not found
	cat                                map[string]float64

	minor       bool
	minorWords  []string
	minorEx     []string // words of a minor in exploitation (Art. 129-A)
	derived     []string // reasons of derived signals
	floorWords  []string
	floor       bool
	benign      bool
	trafficking bool
	pastOnly    bool
	escaped     bool
	safe        bool
	actionable  bool
	family      bool // family violence without trafficking
	unexplained bool // about people, explained by no rule nor noise

	urgency    tip.Urgency
	category   string
	emergency  bool
	confidence float64
	review     bool
	fired      []string // reasons of the rules that fired, each naming its rule
}

// fire records that a rule decided something, with its reason.
func (s *state) fire(name, reason string) {
	s.fired = append(s.fired, s.e.say("rule", reason, name))
}

// Decide triages the whole text of a tip (all its inbound messages, joined
// by newlines). It never fails.
func (e *Engine) Decide(text string) tip.Triage {
	if err := e.Ready(); err != nil {
		return unavailable()
	}
	s := e.gather(e.analyse(text))
	for _, r := range pipeline {
		r.apply(e, s)
	}
	return e.output(s)
}

// output turns the state into the decision, with its reasons: the rules
// that fired first, then the words behind them.
func (e *Engine) output(s *state) tip.Triage {
	a := s.a
	t := tip.Triage{Language: a.lang, Indicators: []string{}, Reasons: []string{},
		Urgency: s.urgency, Category: s.category, Emergency: s.emergency,
		FamilyViolence: s.family, Confidence: s.confidence, Review: s.review}
	t.ImmediateDanger = t.Urgency == tip.Critical
	t.Reportable = t.Urgency.Reportable()
	t.Minor = s.minorFlag()
	if a.place != nil {
		t.Region, t.Place = a.place.a.code, a.place.a.name
	}
	t.Reasons, t.Indicators = e.reasons(s, t)
	return t
}

// minorFlag is the minor output: a child among the people of any tip that
// is not low, and in a low tip (positive evidence of noise or family
// violence) only when the child is the victim of violence.
func (s *state) minorFlag() bool {
	return s.minor && (s.urgency != tip.Low || s.ev.violence || s.emergency)
}

// joinWords lists quoted words once each.
func joinWords(ws []string) string { return strings.Join(uniq(ws), ", ") }

// unavailable is the decision when the knowledge files could not be read:
// medium, for staff to review first, never low.
func unavailable() tip.Triage {
	return tip.Triage{Urgency: tip.Medium, Category: tip.CategoryUnknown, Language: tip.LangSpanish, Review: true,
		Indicators: []string{}, Reasons: []string{"motor de triage no disponible: revisión humana"}}
}
