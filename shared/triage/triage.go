// Package triage decides how urgent a tip is, what kind of exploitation it
// describes, whether a minor or immediate danger is involved and where it
// happens, and says why.
//
// The engine is deterministic rules over knowledge files embedded from
// data/ (lexicons by language, signal weights mapped to the ILO forced-labour
// and UNODC indicators, a gazetteer of Peru, normalisation tables); staff
// read and extend those files, not the code. See data/README.md.
//
// A decision follows the triage contract:
//   - critical: trafficking evidence and danger now (held, violence under
//     way, about to be moved, a victim asking to be rescued, a minor being
//     exploited at this moment);
//   - high: exploitation going on with something to act on (a place, a
//     venue, a person, a vehicle, a contact), or a minor in exploitation;
//   - medium: trafficking indicators without that: an offer, a suspicion,
//     a past case, a missing person;
//   - low: no trafficking indicator (greetings, questions, spam, other crimes).
package triage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"tipline/shared/tip"
)

// Engine holds the parsed lexicons and gazetteer. It is safe for concurrent use.
type Engine struct {
	lx           *lexer
	m            *matcher
	signals      map[string]*signal
	patterns     []*pattern
	places       []*placeAlias
	kms          []kmRule
	langWords    map[string]map[string]bool
	langSuffixes map[string][]string
	langMask     []uint8 // by vocabulary id: the languages (bits of langOrder) a word is listed in
	patternIx    *firstIndex
	placeIx      *firstIndex
	th           thresholds
	benign       map[string]bool   // noise signals that explain a minor away
	texts        map[string]string // reason templates (data/reasons.txt)
	once         sync.Once         // parses the knowledge files (Ready)
	loadErr      error
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
)

// New returns the engine of the embedded knowledge files at once; the
// files are parsed on first use (the first decision, or Ready), once per
// process, so that a function starts without paying for them: a Lambda
// that never triages never parses, and one that does pays it on its first
// message, not in its init (where a background parse would only compete
// for the fraction of a core a small Lambda has). The error is always
// nil; Ready reports a malformed file (naming file and line), which can
// only happen if a broken file was built into the binary, and which the
// package tests prevent.
func New() (*Engine, error) {
	defaultOnce.Do(func() { defaultEngine = &Engine{} })
	return defaultEngine, nil
}

// Ready waits for the knowledge files to be parsed and reports whether
// they were.
func (e *Engine) Ready() error {
	e.once.Do(func() {
		if err := e.load(dataFS); err != nil {
			e.loadErr = fmt.Errorf("triage: knowledge files: %w", err)
		}
	})
	return e.loadErr
}

// thresholds are the settings of the rules (data/decision.txt): how much
// evidence each level needs.
type thresholds struct {
	minEvidence, minDanger, minExploitHigh, minExploitKid float64
	minCategory, minCategoryAlone                         float64
	minorNowDanger, escapeDanger, nowDanger, intentFactor float64
	hedgePenalty, emergencyDanger, lowConfidence          float64
	windowHeadKiB, windowTailKiB                          float64
}

// fields names each threshold as decision.txt spells it.
func (t *thresholds) fields() map[string]*float64 {
	return map[string]*float64{
		"min_evidence": &t.minEvidence, "min_danger": &t.minDanger, "min_exploit_high": &t.minExploitHigh,
		"min_exploit_kid": &t.minExploitKid, "min_category": &t.minCategory, "min_category_alone": &t.minCategoryAlone,
		"minor_now_danger": &t.minorNowDanger, "escape_danger": &t.escapeDanger, "now_danger": &t.nowDanger,
		"intent_factor": &t.intentFactor, "hedge_penalty": &t.hedgePenalty, "emergency_danger": &t.emergencyDanger,
		"low_confidence": &t.lowConfidence, "window_head_kib": &t.windowHeadKiB, "window_tail_kib": &t.windowTailKiB,
	}
}

// hit is one match of a lexicon pattern.
type hit struct {
	sig        *signal
	start, end int // token range
	clause     int
	negated    bool
	intent     bool // inside an offer, a plan or a fear: not happening yet
	order      int  // index of the pattern, for a stable order
}

// analysis is everything found in one text.
type analysis struct {
	toks  []token
	text  string
	hits  []hit
	ages  []ageHit
	place *placeHit
	lang  string
	f     facts
	morph *morphology
}

func (e *Engine) scan(toks []token) []hit {
	hits := make([]hit, 0, len(toks))
	sc := getScratch(len(e.patterns))
	defer scratchPool.Put(sc)
	for i := range toks {
		for _, n := range e.patternIx.candidates(toks, i, sc) {
			p := e.patterns[n]
			start, end := e.m.matchPattern(p, toks, i, toks[i].clause)
			if end > start {
				hits = append(hits, hit{sig: p.sig, start: start, end: end, clause: toks[i].clause, order: n})
			}
		}
	}
	sortHits(hits)
	return dropProperNames(toks, dedupHits(hits))
}

// scratch is the working memory of one look-up of the first-word index,
// kept between decisions: seen is all false between uses.
type scratch struct {
	seen        []bool
	buf, marked []int // the candidates, and every entry marked seen
	keys        []int32
	fits        []uint64 // firstIndex.markFits
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns a scratch with room for n entries; Put it back.
func getScratch(n int) *scratch {
	sc := scratchPool.Get().(*scratch)
	if len(sc.seen) < n {
		sc.seen, sc.fits = make([]bool, n), make([]uint64, (n+63)/64)
	}
	return sc
}

// dropProperNames drops the keyword hits that begin or end on the proper
// name of a place: a capitalised word right after a name head (mercado,
// jirón, hotel, colegio, discoteca...) inside a sentence, and the
// capitalised words that follow it ("Mercado Modelo", "Discoteca El
// Minero", "Calle Prostibar"). Place cues and the heads themselves stay.
func dropProperNames(toks []token, hits []hit) []hit {
	name := map[int]bool{}
	for _, h := range hits {
		if h.sig.role != roleNameHead {
			continue
		}
		for i := h.end; i < len(toks) && toks[i].clause == toks[h.end-1].clause && titleCase(toks[i].raw); i++ {
			name[i] = true
		}
	}
	if len(name) == 0 {
		return hits
	}
	out := hits[:0]
	for _, h := range hits {
		switch h.sig.role {
		case roleHere, roleTo, roleFrom, roleStreet, roleActionable, roleNameHead:
		default:
			if name[h.start] || name[h.end-1] {
				continue
			}
		}
		out = append(out, h)
	}
	return out
}

// titleCase reports whether a word is written with a capital first letter
// and small letters after it ("Modelo", "El"), not in capitals throughout
// ("URGENTE"), which says nothing about names.
func titleCase(w string) bool {
	rs := []rune(w)
	if len(rs) == 0 || !unicode.IsUpper(rs[0]) {
		return false
	}
	if len(rs) == 1 {
		return true
	}
	for _, r := range rs[1:] {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// intentSpan is how many words after an offer, plan or fear word ("va a",
// "ofrece", "para que") are read as not yet happening.
const intentSpan = 8

// intentReaches reports whether an offer, plan or fear word governs h: it
// ends shortly before h in the same clause, with no word of time in between
// ("le ofreció trabajo, ahora la tienen limpiando"). A threat is never a
// plan: it is control now, whatever tense it is told in ("le van a cobrar
// una multa si se va").
func (a *analysis) intentReaches(h *hit) bool {
	if h.sig.indicator == indThreat {
		return false
	}
	// The intent ending last before h decides: a time word between an
	// earlier one and h is also between it and h, or after it.
	last := -1 // end of the intent word ending last before h
	for _, o := range a.startingIn(h.start-intentSpan-a.f.maxLen, h.start+1) {
		if o.sig.role == roleIntent && o.clause == h.clause && o.end <= h.start && h.start-o.end <= intentSpan {
			last = max(last, o.end)
		}
	}
	if last < 0 {
		return false
	}
	for _, o := range a.startingIn(last, h.start) {
		switch o.sig.role {
		case roleNow, rolePresent, rolePast:
			if o.clause == h.clause && o.end <= h.start {
				return false
			}
		}
	}
	return true
}

func (e *Engine) analyse(text string) *analysis {
	toks := e.lx.tokens(text)
	a := &analysis{toks: toks, text: text, morph: e.lx.morph}
	a.hits = e.scan(toks)
	a.f.maxLen = maxLen(a.hits)
	a.markNegationAndIntent()
	a.gatherFacts()
	a.ages = e.findAges(a)
	a.place = e.findPlace(a)
	a.lang = e.language(toks)
	return a
}

// quote renders the words of a token range as written.
func (a *analysis) quote(start, end int) string {
	if start >= end || end > len(a.toks) {
		return ""
	}
	s := a.text[a.toks[start].start:a.toks[end-1].end]
	if plainWords(s) {
		return `"` + s + `"`
	}
	return strconv.Quote(strings.Join(strings.Fields(s), " ")) // as fmt's %q writes it
}

// plainWords reports whether s is printable ASCII with no quote nor
// backslash, words apart by one space: Fields, Join and Quote would only
// put it between quotes.
func plainWords(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f || c == '"' || c == '\\':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// sigMinorExploitation is the derived signal (signals.txt) for a minor, or
// a group of girls, in or taken toward a place or work of exploitation.
const sigMinorExploitation = "minor_exploitation"

// Indicator codes the engine reads to find acts of moving people and
// settings where a person is held.
const (
	indTransport   = "palermo_act_transport"
	indTransfer    = "palermo_act_transfer"
	indRestriction = "ilo3_restriction_of_movement"
	indThreat      = "ilo6_intimidation_threats"
)

// minorExploitation returns the words showing a minor in a place or work
// of exploitation (a venue, a mine, begging, domestic work, working at
// night: not offered, not past), or a minor or a group of girls being
// moved, handed over or received toward work or such a place (the act
// under way, or planned within hours). Nil when there is none.
func (e *Engine) minorExploitation(a *analysis, minor bool, pastClause, nowClause map[int]bool) []string {
	past := func(h hit) bool { return pastClause[h.clause] && !nowClause[h.clause] }
	young := false // a child under 14: any work at a labour site is child labour
	for _, ag := range a.ages {
		if ag.age < 14 {
			young = true
		}
	}
	for _, h := range a.hits {
		if h.sig.name == sigChild && !h.negated {
			young = true
		}
	}
	c := childHits(a, past, young)
	var out []string
	if minor {
		for _, h := range c.located {
			out = append(out, a.quote(h.start, h.end))
		}
		// A child working or serving beside a sign of exploitation, with
		// no other keyword ("la chiquita cocina y lava todo el día").
		if len(c.works) > 0 && len(c.signs) > 0 {
			for _, h := range c.works {
				out = append(out, a.quote(h.start, h.end))
			}
			for _, h := range c.signs {
				out = append(out, a.quote(h.start, h.end))
			}
		}
	}
	if len(c.settings) == 0 {
		return out
	}
	group := false // a group of girls or young women is named ("4 chicas")
	for _, h := range a.hits {
		if h.sig.name == sigGroup && !h.negated {
			group = true
		}
	}
	for _, h := range c.acts {
		if minor || h.sig.name == sigMoveGroup || group && (pluralObject(a, h) || personObject(a, h)) {
			out = append(out, a.quote(h.start, h.end))
			for _, s := range c.settings {
				out = append(out, a.quote(s.start, s.end))
			}
		}
	}
	return out
}

// childScene are the hits that place a child in exploitation: settings
// (a venue, a workplace, a zone), those of them that are exploitation by
// themselves, acts of moving or handing over, work verbs and signs of
// exploitation of a child's work.
type childScene struct {
	settings, located, acts, works, signs []hit
}

// childHits sorts the hits that are not negated nor past into a childScene.
func childHits(a *analysis, past func(hit) bool, young bool) childScene {
	var c childScene
	for _, h := range a.hits {
		if h.negated || past(h) {
			continue
		}
		planned := h.intent || plannedOrOffered(a, h)
		// Signs that a child's work is exploitation: an exploitation
		// indicator (hours, no school, no pay, control), a venue or a
		// servitude or begging hint, violence, or a labour site for a
		// young child.
		if !planned && h.sig.weight > 0 && (h.sig.role == roleExploit ||
			h.sig.role == rolePurpose && (h.sig.category != tip.CategoryLabor || young)) {
			c.signs = append(c.signs, h)
		}
		if strings.Contains(h.sig.indicator, "violence") {
			c.signs = append(c.signs, h)
		}
		if h.sig.role == roleWork && !planned {
			c.works = append(c.works, h)
		}
		switch {
		case h.sig.name == sigHotspot:
			c.settings = append(c.settings, h) // a zone of exploitation as a destination (La Pampa)
		case h.sig.role == rolePurpose || (h.sig.role == roleExploit && h.sig.category != ""):
			c.settings = append(c.settings, h)
			// A workplace alone (a farm, a restaurant) is not exploitation
			// of a child; a venue, begging, servitude or an exploitation
			// indicator with a purpose is.
			if !planned && h.sig.weight > 0 && (h.sig.role == roleExploit || h.sig.category != tip.CategoryLabor) {
				c.located = append(c.located, h)
			}
		case h.sig.indicator == indTransport || h.sig.indicator == indTransfer:
			if !planned || a.soonNear(h) {
				c.acts = append(c.acts, h)
			}
		}
	}
	return c
}

// sigMinorAtRisk is the derived signal of the safety floor; sigChild the
// minor words for a child under 14; sigHabitual the present words of a habit.
const (
	sigMinorAtRisk = "minor_at_risk"
	sigHelp        = "help"
	sigChild       = "child"
	sigHabitual    = "habitual"
	sigHotspot     = "hotspot"
)

func (a *analysis) benignNoise(benign map[string]bool) bool {
	for _, h := range a.hits {
		if benign[h.sig.name] {
			return true
		}
	}
	return false
}

// minorAtRisk returns the words that put a minor beside work, service, a
// venue, transport, a sexual context or control (the safety floor), and
// whether any of them is strong (a venue, a sexual, servitude or begging
// word, or an exploitation indicator) rather than a plain work or travel
// word, which a question alone can explain away.
func (a *analysis) minorAtRisk(minor bool) ([]string, bool) {
	if !minor {
		return nil, false
	}
	var out []string
	strong := false
	for _, h := range a.hits {
		if h.negated {
			continue
		}
		switch h.sig.role {
		case roleExploit:
			strong = true
		case rolePurpose:
			if h.sig.weight <= 0 && h.sig.category == "" {
				// "para trabajar": a work purpose, weak
			} else if h.sig.category != tip.CategoryLabor {
				strong = true
			}
		case roleWork, roleMove, roleRecruit:
			if h.sig.name == "topic" || h.sig.name == sigHotspot {
				continue
			}
		case roleDanger:
			if h.sig.indicator != indTransport {
				continue
			}
		default:
			continue
		}
		out = append(out, a.quote(h.start, h.end))
	}
	return out, strong
}

// sigFamilyViolence names a partner or a relative who hits, locks in,
// controls or threatens (signals.txt).
const sigFamilyViolence = "family_violence"

// familyCompatible are the indicators that family violence shows as well
// as trafficking: locking in, isolation, violence, threats, control, fear,
// and "me engaña" (cheating). Beside a partner or a relative who does them
// they are not trafficking words.
var familyCompatible = map[string]bool{
	indRestriction: true, "ilo4_isolation": true, "ilo5_physical_sexual_violence": true,
	indThreat: true, "unodc_movements_controlled": true, "unodc_fear_anxiety": true, "ilo2_deception": true,
}

// familyViolenceOnly reports whether the text shows violence by a partner
// or a relative (family_violence) and no word of trafficking: no work
// under exploitation, venue or workplace, sale, offer, debt, documents,
// transport of a person, missing person or minor in exploitation. Plain
// work verbs ("cuando se va a trabajar") and moving without a person as
// object ("se va") do not count; violence by an employer does.
func (a *analysis) familyViolenceOnly(minorEx bool) bool {
	if minorEx {
		return false
	}
	family := false
	for _, h := range a.hits {
		if h.negated {
			continue
		}
		s := h.sig
		if s.name == sigFamilyViolence {
			family = true
			continue
		}
		switch {
		case s.indicator == indTransport || s.indicator == indTransfer:
			if personObject(a, h) {
				return false
			}
		case s.name == "employer_violence":
			return false
		case familyCompatible[s.indicator] || s.name == "suspicion":
		case s.role == roleExploit || s.role == roleRecruit || s.role == roleMissing:
			return false
		case s.role == rolePurpose && s.weight > 0:
			return false
		}
	}
	return family
}

// personObject reports whether the act h has a person as its object: an
// object pronoun before the verb or glued to it ("la lleva", "llevándola",
// "me están llevando") or a person after "a" ("lleva a los niños").
func personObject(a *analysis, h hit) bool {
	for i := h.start; i < h.end; i++ {
		w := a.toks[i].norm
		switch w {
		case "la", "las", "lo", "los", "me", "nos", "te", "le", "les":
			return true
		}
		if len(w) > 5 && a.morph.hasEnclitic(w, 3) && !strings.HasSuffix(w, "se") {
			return true
		}
	}
	return false
}

// progressiveWork reports whether a work or service verb in the gerund
// ("atendiendo", "sirviendo") shows the work under way, outside a clause of
// habit ("los fines de semana") or of the past.
func (a *analysis) progressiveWork(pastClause map[int]bool) bool {
	habit := map[int]bool{}
	for _, h := range a.hits {
		if h.sig.name == sigHabitual {
			habit[h.clause] = true
		}
	}
	for _, h := range a.hits {
		if h.sig.role != roleWork || h.negated || h.intent || habit[h.clause] || pastClause[h.clause] {
			continue
		}
		w := a.toks[h.start].norm
		for _, g := range a.morph.gerunds {
			if strings.HasSuffix(w, g) {
				return true
			}
		}
	}
	return false
}

// plannedOrOffered reports whether an offer, plan or fear word starts
// before h in its clause ("quiere llevarse", "le ofrece llevarla").
func plannedOrOffered(a *analysis, h hit) bool {
	for _, o := range a.startingIn(h.start-intentSpan-a.f.maxLen, h.start) {
		if o.sig.role == roleIntent && o.clause == h.clause && h.start-o.end <= intentSpan {
			return true
		}
	}
	return false
}

// sigMoveGroup is the signal of a group of girls or children being taken
// somewhere: toward exploitation it counts like a minor (docs/peru.md §2.4).
// sigGroup names such a group ("4 chicas", "unas jovencitas"): an act on a
// plural object in the same text ("las lleva al campamento") moves it.
const (
	sigMoveGroup = "move_group"
	sigGroup     = "group"
)

// pluralObject reports whether the act h has a plural person as its object:
// a pronoun before the verb ("las lleva", "se los llevan") or glued to it
// ("llevándolas", "súbanlos").
func pluralObject(a *analysis, h hit) bool {
	for i := h.start; i < h.end; i++ {
		w := a.toks[i].norm
		if w == "las" || w == "los" || w == "nos" || len(w) > 5 && (strings.HasSuffix(w, "las") || strings.HasSuffix(w, "los") || strings.HasSuffix(w, "nos")) {
			return true
		}
	}
	return false
}

// sexualOrHeld reports whether a sexual exploitation word (not an offer) or
// a restriction of movement is in the text: a minor in it at this moment is
// in danger now.
func (a *analysis) sexualOrHeld() bool {
	if a.sexual() {
		return true
	}
	for _, h := range a.hits {
		if !h.negated && !h.intent && h.sig.indicator == indRestriction {
			return true
		}
	}
	return false
}

// sexual reports whether a sexual exploitation word or venue (not an
// offer) is in the text.
func (a *analysis) sexual() bool {
	for _, h := range a.hits {
		if h.negated || h.intent {
			continue
		}
		if h.sig.category == tip.CategorySexual && (h.sig.role == rolePurpose || h.sig.role == roleExploit) && h.sig.weight >= 1 {
			return true
		}
	}
	return false
}

// adultAgeAfter reports whether a minor word is qualified by an adult age
// right after it ("que sea menor de 25"): then it is not a child.
func (a *analysis) adultAgeAfter(h hit) bool {
	k := sort.Search(len(a.ages), func(k int) bool { return a.ages[k].start >= h.start })
	for ; k < len(a.ages) && a.ages[k].start <= h.end; k++ {
		if a.ages[k].age > 18 { // "menores de 18" are children
			return true
		}
	}
	return false
}

// soonNear reports whether a "now" or "soon" word is in the clause of h or
// a neighbouring one, outside the description of a habit.
func (a *analysis) soonNear(h hit) bool {
	return a.f.soonClause[h.clause-1] || a.f.soonClause[h.clause] || a.f.soonClause[h.clause+1]
}

// sigNightOutings describes a habit: going out at night and coming back at
// dawn. A time word inside it ("regresan de madrugada") is not a time
// soon.
const sigNightOutings = "night_outings"

// insideHabit reports whether the hit h lies inside a description of a
// habit (a habitual or night_outings hit).
func (a *analysis) insideHabit(h hit) bool {
	if h.sig.name == sigSoonDaypart && a.f.habit {
		return true // "de madrugada": a habit anywhere makes it one
	}
	for _, o := range a.startingIn(h.start-a.f.maxLen, h.start+1) {
		if (o.sig.name == sigHabitual || o.sig.name == sigNightOutings) && o.start <= h.start && h.end <= o.end && o != h {
			return true
		}
	}
	return false
}

// Signals of an escape (escape), a part of the day that is soon unless a
// habit is told (soon_daypart), safety words after a case (safe), and being
// searched for or hiding (hunted, sought).
const (
	sigEscape      = "escape"
	sigForcedAway  = "forced_away"
	sigSoonDaypart = "soon_daypart"
	sigSafe        = "safe"
	sigHunted      = "hunted"
	sigSought      = "sought"
	sigFear        = "fear"
)

// escapeNow reports whether the text tells an escape from those who held
// the victim or from a place of exploitation together with a sign that
// she is still in danger (someone searching for her, hiding, fear, a
// threat), and whether it says she is safe now.
func (a *analysis) escapeNow() (escaped, safe bool) {
	esc, after := false, false
	for _, h := range a.hits {
		if h.negated {
			continue
		}
		switch {
		case h.sig.name == sigEscape:
			esc = true
		case h.sig.name == sigSafe:
			safe = true
		case h.sig.name == sigHunted || h.sig.name == sigSought || h.sig.name == sigFear || h.sig.indicator == indThreat:
			after = true
		}
	}
	return esc && (after || safe), safe
}

// insideEscape reports whether h lies inside an escape ("me escapé del bar
// donde me tenían encerrada"): the holding is over.
func (a *analysis) insideEscape(h hit) bool {
	for _, o := range a.startingIn(h.start-a.f.maxLen-4, h.start+1) {
		if o.sig.name == sigEscape && !o.negated && o.start <= h.start && h.end <= o.end+4 && o.clause == h.clause {
			return true
		}
	}
	return false
}

// heldIncommunicado reports whether a person gone missing is kept from
// talking by someone else ("el contratista no lo deja hablar", "no le pasa
// el teléfono"): control by a third party now, not only a lost contact.
func (a *analysis) heldIncommunicado() bool {
	for _, h := range a.hits {
		if h.negated || h.intent {
			continue
		}
		switch h.sig.indicator {
		case "ilo4_isolation", "unodc_movements_controlled", indRestriction:
			if h.sig.role == roleExploit && h.sig.name != sigEscape {
				return true
			}
		}
	}
	return false
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Merge combines the decision already stored on a tip with a fresh decision
// over the whole conversation: automatic urgency never goes down, minor and
// immediate danger, once seen, stay, and the earlier place is kept when the
// new decision finds none. Reportable is recomputed from the urgency.
func Merge(prev, next tip.Triage) tip.Triage {
	out := next
	out.Urgency = tip.Max(prev.Urgency, next.Urgency)
	if !out.Urgency.Valid() {
		out.Urgency = next.Urgency
	}
	out.Minor = prev.Minor || next.Minor
	out.ImmediateDanger = prev.ImmediateDanger || next.ImmediateDanger
	out.Emergency = prev.Emergency || next.Emergency
	out.FamilyViolence = prev.FamilyViolence || next.FamilyViolence
	out.Review = prev.Review || next.Review
	if out.Region == "" {
		out.Region, out.Place = prev.Region, prev.Place
	}
	if (out.Category == tip.CategoryNone || out.Category == "") && out.Urgency != tip.Low {
		out.Category = prev.Category
		if out.Category == "" || out.Category == tip.CategoryNone {
			out.Category = tip.CategoryUnknown
		}
	}
	out.Indicators = mergeStrings(prev.Indicators, next.Indicators)
	out.Reasons = mergeStrings(nil, next.Reasons)
	if out.Urgency != next.Urgency {
		out.Reasons = append([]string{fmt.Sprintf("urgencia mantenida en %s por una decisión anterior (la urgencia automática no baja)", out.Urgency)}, out.Reasons...)
	}
	out.Reportable = out.Urgency.Reportable()
	return out
}

func mergeStrings(a, b []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, list := range [][]string{a, b} {
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
