// Package reply composes what the tip line answers a reporter, from texts
// kept as data files per language (texts/*.json).
package reply

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"strings"
	"unicode"

	"tipline/shared/tip"
)

//go:embed texts/*.json
var files embed.FS

// Texts are the sentences of one language.
type Texts struct {
	DangerNow string `json:"danger_now"`
	// FamilyViolence points to the family-violence line (Línea 100).
	FamilyViolence string `json:"family_violence"`
	Thanks         string `json:"thanks"`
	Ref            string `json:"ref"`
	Minor          string `json:"minor"`
	AskPlace       string `json:"ask_place"`
	Hotline        string `json:"hotline"`
	AddDetails     string `json:"add_details"`
	Stop           string `json:"stop"`
	FollowUp       string `json:"follow_up"`
	OptOut         string `json:"opt_out"`
	OptIn          string `json:"opt_in"`
	Help           string `json:"help"`
	Consent        string `json:"consent"`     // asks an adult victim whether to tell the authorities
	ConsentYes     string `json:"consent_yes"` // after a yes
	ConsentNo      string `json:"consent_no"`  // after a no
}

// Keyword is a single-word command from a reporter.
type Keyword int

// Keywords.
const (
	NoKeyword Keyword = iota
	OptOut
	OptIn
	Help
)

// Book holds the texts of every language and the keywords.
type Book struct {
	texts    map[string]Texts
	keywords map[string]struct {
		kind Keyword
		lang string
	}
	consent map[string]bool // answers to the consent question: yes or no
}

// Load parses the embedded texts and checks that every key is present and
// every placeholder known.
func Load() (*Book, error) {
	b := &Book{texts: map[string]Texts{}, keywords: map[string]struct {
		kind Keyword
		lang string
	}{}, consent: map[string]bool{}}
	entries, err := files.ReadDir("texts")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		raw, err := files.ReadFile(path.Join("texts", name))
		if err != nil {
			return nil, err
		}
		if name == "keywords.json" {
			if err := b.loadKeywords(raw); err != nil {
				return nil, err
			}
			continue
		}
		var t Texts
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("reply: %s: %w", name, err)
		}
		v := reflect.ValueOf(t)
		for i := 0; i < v.NumField(); i++ {
			s := v.Field(i).String()
			key := v.Type().Field(i).Tag.Get("json")
			if strings.TrimSpace(s) == "" {
				return nil, fmt.Errorf("reply: %s: %q is missing", name, key)
			}
			if strings.Contains(strings.ReplaceAll(s, "{ref}", ""), "{") {
				return nil, fmt.Errorf("reply: %s: %q has an unknown placeholder", name, key)
			}
		}
		b.texts[strings.TrimSuffix(name, ".json")] = t
	}
	if _, ok := b.texts[tip.LangSpanish]; !ok {
		return nil, fmt.Errorf("reply: es.json is missing")
	}
	return b, nil
}

func (b *Book) loadKeywords(raw []byte) error {
	var k map[string]map[string][]string
	if err := json.Unmarshal(raw, &k); err != nil {
		return fmt.Errorf("reply: keywords.json: %w", err)
	}
	kinds := map[string]Keyword{"opt_out": OptOut, "opt_in": OptIn, "help": Help}
	for kindName, byLang := range k {
		if yes := kindName == "consent_yes"; yes || kindName == "consent_no" {
			// Answers only where a question is pending, never commands.
			for _, words := range byLang {
				for _, w := range words {
					b.consent[fold(w)] = yes
				}
			}
			continue
		}
		kind, ok := kinds[kindName]
		if !ok {
			return fmt.Errorf("reply: keywords.json: unknown command %q", kindName)
		}
		for lang, words := range byLang {
			for _, w := range words {
				b.keywords[fold(w)] = struct {
					kind Keyword
					lang string
				}{kind, lang}
			}
		}
	}
	return nil
}

// fold upper-cases s, removes accents and trims punctuation and spaces.
func fold(s string) string {
	out := tip.StripAccents(s)
	return strings.ToUpper(strings.TrimFunc(out, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) }))
}

// Keyword reports whether body is a single-word command, and its language.
func (b *Book) Keyword(body string) (Keyword, string) {
	k, ok := b.keywords[fold(body)]
	if !ok {
		return NoKeyword, ""
	}
	return k.kind, k.lang
}

// For returns the texts of lang, or Spanish when there are none.
func (b *Book) For(lang string) Texts {
	if t, ok := b.texts[lang]; ok {
		return t
	}
	return b.texts[tip.LangSpanish]
}

// First composes the first reply of a tip: the emergency numbers first
// when anyone is in danger now (105, and the Línea 100 for family
// violence), the reference, what happens to cases with minors, the
// question for a missing place, the hotline, how to add and how to stop.
func (b *Book) First(ref string, t tip.Triage) string {
	x := b.For(t.Language)
	parts := emergencyFirst(x, t)
	parts = append(parts, x.Thanks, x.Ref)
	if t.Minor {
		parts = append(parts, x.Minor)
	}
	if t.Region == "" && t.Urgency != tip.Low {
		parts = append(parts, x.AskPlace)
	}
	if !dangerNow(t) {
		parts = append(parts, x.DangerNow)
		if t.FamilyViolence {
			parts = append(parts, x.FamilyViolence)
		}
	}
	parts = append(parts, x.Hotline, x.AddDetails, x.Stop)
	return strings.ReplaceAll(strings.Join(parts, " "), "{ref}", ref)
}

// dangerNow reports whether the reply must open with the emergency
// numbers: danger now in the trafficking sense or to anyone.
func dangerNow(t tip.Triage) bool { return t.ImmediateDanger || t.Emergency }

// emergencyFirst are the sentences a reply opens with when someone is in
// danger now: 105, and the Línea 100 for family violence.
func emergencyFirst(x Texts, t tip.Triage) []string {
	if !dangerNow(t) {
		return nil
	}
	parts := []string{x.DangerNow}
	if t.FamilyViolence {
		parts = append(parts, x.FamilyViolence)
	}
	return parts
}

// FollowUp composes the short acknowledgement of a later message. It still
// puts the emergency numbers first when the conversation shows danger now.
func (b *Book) FollowUp(ref string, t tip.Triage) string {
	x := b.For(t.Language)
	parts := append(emergencyFirst(x, t), x.FollowUp)
	return strings.ReplaceAll(strings.Join(parts, " "), "{ref}", ref)
}

// Command answers a keyword in lang.
func (b *Book) Command(k Keyword, lang string) string {
	x := b.For(lang)
	switch k {
	case OptOut:
		return x.OptOut
	case OptIn:
		return x.OptIn
	case Help:
		return x.Help
	}
	return ""
}

// ConsentAnswer reports whether body is an answer to the consent question,
// and whether it is yes. Whether a question is pending is for the caller to
// know: otherwise "SI" is an ordinary message.
func (b *Book) ConsentAnswer(body string) (answer, yes bool) {
	yes, answer = b.consent[fold(body)]
	return answer, yes
}

// FirstAskingConsent is First with the consent question of an adult victim
// before how to stop messages.
func (b *Book) FirstAskingConsent(ref string, t tip.Triage) string {
	x := b.For(t.Language)
	first := b.First(ref, t)
	stop := strings.ReplaceAll(x.Stop, "{ref}", ref)
	if i := strings.LastIndex(first, stop); i >= 0 {
		return first[:i] + x.Consent + " " + first[i:]
	}
	return first + " " + x.Consent
}

// FollowUpAskingConsent is FollowUp with the consent question, for a
// conversation that only now shows an adult victim's report.
func (b *Book) FollowUpAskingConsent(ref string, t tip.Triage) string {
	return b.FollowUp(ref, t) + " " + b.For(t.Language).Consent
}

// ConsentReply answers a reporter's yes or no to the consent question.
func (b *Book) ConsentReply(yes bool, ref, lang string) string {
	x := b.For(lang)
	s := x.ConsentNo
	if yes {
		s = x.ConsentYes
	}
	return strings.ReplaceAll(s, "{ref}", ref)
}
