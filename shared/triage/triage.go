// Package triage decides how urgent a tip is, what kind of exploitation it
// describes, whether a minor or immediate danger is involved and where it
// happens, and says why.
//
// PLACEHOLDER: this file holds the final signatures with a trivial rule until
// the rules engine lands.
package triage

import (
	"strings"

	"tipline/shared/tip"
)

// Engine holds the parsed lexicons and gazetteer. It is safe for concurrent use.
type Engine struct{}

// New parses the embedded knowledge files.
func New() (*Engine, error) { return &Engine{}, nil }

// Decide triages the whole text of a tip (all its inbound messages, joined by newlines).
func (e *Engine) Decide(text string) tip.Triage {
	t := tip.Triage{Urgency: tip.Low, Category: tip.CategoryNone, Language: tip.LangSpanish}
	if strings.Contains(strings.ToLower(text), "menor") {
		t.Urgency, t.Category, t.Minor = tip.High, tip.CategoryUnknown, true
	}
	t.Reportable = t.Urgency.Reportable()
	return t
}

// Merge combines the decision already stored on a tip with a fresh decision
// over the whole conversation: automatic urgency never goes down, and minor
// and immediate danger, once seen, stay.
func Merge(prev, next tip.Triage) tip.Triage {
	out := next
	out.Urgency = tip.Max(prev.Urgency, next.Urgency)
	out.Minor = prev.Minor || next.Minor
	out.ImmediateDanger = prev.ImmediateDanger || next.ImmediateDanger
	if out.Region == "" {
		out.Region, out.Place = prev.Region, prev.Place
	}
	out.Reportable = out.Urgency.Reportable()
	return out
}
