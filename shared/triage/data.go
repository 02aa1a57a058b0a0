package triage

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// The knowledge files: see data/README.md for their format.
//
//go:embed data/*.txt
var dataFS embed.FS

// Roles say how a signal counts in a decision (see data/README.md).
const (
	roleExploit    = "exploit"    // trafficking evidence, exploitation under way
	roleRecruit    = "recruit"    // trafficking evidence, recruitment or risk only
	roleMissing    = "missing"    // a person gone missing; evidence of risk
	rolePurpose    = "purpose"    // a hint of the kind of exploitation only
	roleSupport    = "support"    // counts only beside trafficking evidence (violence, fear)
	roleDanger     = "danger"     // danger now only
	roleMove       = "move"       // being taken somewhere; danger when soon
	roleNoise      = "noise"      // lowers trafficking evidence (spam, campaign, legit job)
	roleMinor      = "minor"      // a child or adolescent
	roleAdult      = "adult"      // explicitly an adult
	rolePerson     = "person"     // a person noun, anchors ages ("mi hija de 16")
	roleAgeCue     = "agecue"     // a word before an age ("tiene", "about")
	roleNegation   = "negation"   // negates the words right after it
	roleHedge      = "hedge"      // the writer is unsure
	rolePast       = "past"       // the situation is over
	rolePresent    = "present"    // the situation goes on
	roleNow        = "now"        // this very moment
	roleSoon       = "soon"       // within hours
	roleIntent     = "intent"     // what follows is offered, planned or feared, not done
	roleHere       = "here"       // the next place is where the situation is
	roleTo         = "to"         // the next place is a destination
	roleFrom       = "from"       // the next place is an origin
	roleActionable = "actionable" // a venue, street, vehicle, contact or person to act on
	roleUrgent     = "urgent"     // the writer says it is urgent
	roleStreet     = "street"     // a street word: the place name after it is a street
	roleAgeUnit    = "ageunit"    // "años", "years" after an age
	roleNotAge     = "notage"     // a unit that makes a number not an age ("soles", "horas")
	roleDerived    = "derived"    // no words of its own: the engine infers it from other signals
	roleWork       = "work"       // a work or service verb; with a minor, a sign of exploitation
	roleNameHead   = "namehead"   // a word before the proper name of a place ("Mercado Modelo")
)

var roles = map[string]bool{
	roleExploit: true, roleRecruit: true, roleMissing: true, rolePurpose: true, roleSupport: true,
	roleDanger: true, roleMove: true, roleNoise: true, roleMinor: true, roleAdult: true,
	rolePerson: true, roleAgeCue: true, roleNegation: true, roleHedge: true, rolePast: true,
	rolePresent: true, roleNow: true, roleSoon: true, roleIntent: true, roleHere: true,
	roleTo: true, roleFrom: true, roleActionable: true, roleUrgent: true,
	roleStreet: true, roleAgeUnit: true, roleNotAge: true, roleDerived: true, roleWork: true, roleNameHead: true,
}

var categories = map[string]bool{"sexual": true, "labor": true, "other": true, "-": true}

// signal is one row of signals.txt.
type signal struct {
	name        string
	role        string
	weight      float64 // trafficking evidence (negative for noise)
	danger      float64 // danger now
	category    string  // sexual, labor, other or ""
	indicator   string  // ILO/UNODC indicator code or ""
	description string  // Spanish label used in reasons
	patterns    int     // how many lexicon lines use it
	idx         int     // its row among the signals, from 0
}

// place kinds, from least to most specific.
var placeKinds = map[string]int{"abroad": 1, "region": 1, "capital": 2, "province": 2, "district": 3, "hotspot": 4, "street": 4}

// placeAlias is one alias of a gazetteer row.
type placeAlias struct {
	code  string // ISO 3166-2:PE, or "" abroad
	kind  string
	name  string
	weak  bool // a common word: counts only right after en/de/por...
	elems []elem
	text  string
}

// kmRule geocodes "km NN" on a road to a region.
type kmRule struct {
	code     string
	name     string
	from, to int
}

func readLines(fsys fs.FS, name string, each func(line string, n int) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := each(line, n); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}

// load parses every knowledge file of fsys into e.
func (e *Engine) load(fsys fs.FS) error {
	mo := &morphology{}
	e.lx = &lexer{expand: map[string][]string{}, numbers: map[string]int{}, noBreak: map[string]bool{}, morph: mo,
		vocab: map[string]int32{}, fuzzy: map[string]int32{}, heads: map[string]int32{}}
	e.m = &matcher{known: map[string]bool{}, prefixes: map[string][]string{}, morph: mo}
	e.signals = map[string]*signal{}
	e.langWords = map[string]map[string]bool{}
	e.langSuffixes = map[string][]string{}
	for _, step := range []func(fs.FS) error{e.loadMorphology, e.loadNormalize, e.loadSignals, e.loadLexicons, e.loadGazetteer, e.loadLanguages, e.loadDecision, e.loadReasons} {
		if err := step(fsys); err != nil {
			return err
		}
	}
	e.buildIndexes()
	return nil
}

// loadNormalize reads data/normalize.txt: abbreviations, number words and
// words that never end a sentence.
func (e *Engine) loadNormalize(fsys fs.FS) error {
	section := ""
	return readLines(fsys, "data/normalize.txt", func(line string, _ int) error {
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			return nil
		}
		switch section {
		case "abbreviations", "numbers":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return fmt.Errorf("want \"word = replacement\", got %q", line)
			}
			k = collapseRuns(fold(strings.TrimSpace(k)))
			v = strings.TrimSpace(v)
			if k == "" || v == "" {
				return fmt.Errorf("empty word or replacement in %q", line)
			}
			if section == "numbers" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("number %q: %v", v, err)
				}
				e.lx.numbers[phoneticKey(k)] = n
				return nil
			}
			e.lx.expand[k] = strings.Fields(fold(v))
		case "nobreak":
			for _, w := range strings.Fields(line) {
				e.lx.noBreak[fold(w)] = true
			}
		default:
			return fmt.Errorf("line outside a known section ([abbreviations], [numbers], [nobreak])")
		}
		return nil
	})
}

// loadSignals reads data/signals.txt.
func (e *Engine) loadSignals(fsys fs.FS) error {
	return readLines(fsys, "data/signals.txt", func(line string, _ int) error {
		f := strings.Fields(line)
		if len(f) < 7 {
			return fmt.Errorf("want 7 columns (name role weight danger category indicator description), got %d", len(f))
		}
		s := &signal{name: f[0], role: f[1], category: f[4], indicator: f[5], description: strings.Join(f[6:], " ")}
		if !roles[s.role] {
			return fmt.Errorf("signal %s: unknown role %q", s.name, s.role)
		}
		if !categories[s.category] {
			return fmt.Errorf("signal %s: unknown category %q", s.name, s.category)
		}
		if s.category == "-" {
			s.category = ""
		}
		if s.indicator == "-" {
			s.indicator = ""
		}
		var err error
		if s.weight, err = strconv.ParseFloat(f[2], 64); err != nil {
			return fmt.Errorf("signal %s: weight: %v", s.name, err)
		}
		if s.danger, err = strconv.ParseFloat(f[3], 64); err != nil {
			return fmt.Errorf("signal %s: danger: %v", s.name, err)
		}
		if _, dup := e.signals[s.name]; dup {
			return fmt.Errorf("signal %s defined twice", s.name)
		}
		s.idx = len(e.signals)
		e.signals[s.name] = s
		return nil
	})
}

// loadLexicons compiles the patterns of every data/lexicon.*.txt.
func (e *Engine) loadLexicons(fsys fs.FS) error {
	lexicons, err := fs.Glob(fsys, "data/lexicon.*.txt")
	if err != nil {
		return err
	}
	if len(lexicons) == 0 {
		return fmt.Errorf("no data/lexicon.*.txt files")
	}
	sort.Strings(lexicons)
	for _, name := range lexicons {
		var cur *signal
		err := readLines(fsys, name, func(line string, n int) error {
			if strings.HasPrefix(line, "[") {
				s, ok := e.signals[strings.Trim(line, "[]")]
				if !ok {
					return fmt.Errorf("section %s: no such signal in signals.txt", line)
				}
				if s.role == roleDerived {
					return fmt.Errorf("section %s: signal is derived by the engine, it takes no patterns", line)
				}
				cur = s
				return nil
			}
			if cur == nil {
				return fmt.Errorf("pattern before the first [signal] section")
			}
			elems, err := e.lx.compilePattern(line, 7)
			if err != nil {
				return err
			}
			cur.patterns++
			first, near := splitNear(elems)
			e.patterns = append(e.patterns, &pattern{sig: cur, elems: first, near: near, text: line, where: fmt.Sprintf("%s:%d", path.Base(name), n)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// loadGazetteer reads data/gazetteer.txt.
func (e *Engine) loadGazetteer(fsys fs.FS) error {
	return readLines(fsys, "data/gazetteer.txt", func(line string, _ int) error { return e.gazetteerLine(line) })
}

// gazetteerLine reads one row "code | kind | name | aliases".
func (e *Engine) gazetteerLine(line string) error {
	f := strings.Split(line, "|")
	if len(f) != 4 {
		return fmt.Errorf("want 4 fields (code | kind | name | aliases), got %d", len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	code, kind, name := f[0], f[1], f[2]
	if code == "ABROAD" {
		code = ""
	} else if !strings.HasPrefix(code, "PE-") || len(code) != 6 {
		return fmt.Errorf("code %q is not ISO 3166-2:PE (PE-XXX) or ABROAD", code)
	}
	if strings.HasPrefix(kind, "km ") {
		var from, to int
		if _, err := fmt.Sscanf(kind, "km %d-%d", &from, &to); err != nil || from > to {
			return fmt.Errorf("want \"km FROM-TO\", got %q", kind)
		}
		e.kms = append(e.kms, kmRule{code: code, name: name, from: from, to: to})
		return nil
	}
	if _, ok := placeKinds[kind]; !ok {
		return fmt.Errorf("unknown kind %q", kind)
	}
	if (kind == "abroad") != (code == "") {
		return fmt.Errorf("kind abroad goes with code ABROAD and only with it")
	}
	// The name is an alias too, without a bracketed note ("Belén (Iquitos)").
	bare := name
	if i := strings.Index(bare, "("); i >= 0 {
		bare = strings.TrimSpace(bare[:i])
	}
	aliases := strings.Split(f[3], ";")
	weakName := false
	for _, a := range aliases {
		switch fold(strings.TrimSpace(a)) {
		case "?" + fold(bare):
			weakName = true // listed as a weak alias: do not add it strong
		case "=" + fold(bare):
			weakName = true // listed as exact: no typo of a common word ("barata")
		}
	}
	if !weakName {
		aliases = append([]string{bare}, aliases...)
	}
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		weak := strings.HasPrefix(a, "?")
		a = strings.TrimPrefix(a, "?")
		if strings.ContainsAny(a, "()|*?<>~") || strings.Contains(a, "...") {
			return fmt.Errorf("alias %q: place names are plain words", a)
		}
		elems, err := e.lx.compilePattern(a, 6)
		if err != nil {
			return err
		}
		e.places = append(e.places, &placeAlias{code: code, kind: kind, name: name, weak: weak, elems: elems, text: a})
	}
	return nil
}

// loadLanguages reads data/languages.txt: words and suffixes of each language.
func (e *Engine) loadLanguages(fsys fs.FS) error {
	return readLines(fsys, "data/languages.txt", func(line string, _ int) error {
		lang, words, ok := strings.Cut(line, ":")
		lang = strings.TrimSpace(lang)
		if !ok || !validLang[lang] {
			return fmt.Errorf("want \"es|en|qu|ay: words\", got %q", line)
		}
		if e.langWords[lang] == nil {
			e.langWords[lang] = map[string]bool{}
		}
		for _, w := range strings.Fields(words) {
			if strings.HasPrefix(w, "-") {
				e.langSuffixes[lang] = append(e.langSuffixes[lang], collapseRuns(fold(w[1:])))
				continue
			}
			for _, k := range e.lx.words(w) {
				e.langWords[lang][k] = true
				e.m.known[k] = true
				e.lx.intern(k)
			}
		}
		return nil
	})
}

// buildIndexes marks every exact word of the lexicons and the gazetteer as
// known (a known word is never taken as a typo of another) and indexes
// patterns and places by their first word.
func (e *Engine) buildIndexes() {
	for _, p := range e.patterns {
		e.m.addKnown(p.elems)
		for _, np := range p.near {
			e.m.addKnown(np.elems)
		}
	}
	for _, p := range e.places {
		e.m.addKnown(p.elems)
	}
	var all [][]elem
	for _, p := range e.patterns {
		all = append(all, p.elems)
	}
	e.patternIx = newFirstIndex(e.lx, all)
	all = all[:0]
	for _, p := range e.places {
		all = append(all, p.elems)
	}
	e.placeIx = newFirstIndex(e.lx, all)
	e.langMask = make([]uint8, len(e.lx.vocab))
	for bit, lang := range langOrder {
		for k := range e.langWords[lang] {
			e.langMask[e.lx.vocab[k]] |= 1 << bit
		}
	}
}

var validLang = map[string]bool{"es": true, "en": true, "qu": true, "ay": true}

func (m *matcher) addKnown(elems []elem) {
	for _, el := range elems {
		for _, seq := range el.seqs {
			for _, a := range seq {
				switch a.kind {
				case altWord:
					m.known[a.key] = true
				case altPrefix:
					m.prefixes[a.key[:3]] = append(m.prefixes[a.key[:3]], a.key)
				}
			}
		}
	}
}
