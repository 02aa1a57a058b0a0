package triage

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestKnowledgeFilesAreWellFormed loads the embedded files and checks what
// the parser alone cannot: every signal is used, every region of Peru is in
// the gazetteer, every code is a real ISO 3166-2:PE code.
func TestKnowledgeFilesAreWellFormed(t *testing.T) {
	e := mustEngine(t)
	for name, s := range e.signals {
		if s.patterns == 0 && s.role != roleDerived {
			t.Errorf("signal %s has no lexicon entry", name)
		}
		if s.patterns > 0 && s.role == roleDerived {
			t.Errorf("signal %s is derived by the engine and cannot have lexicon entries", name)
		}
		if s.description == "" {
			t.Errorf("signal %s has no description", name)
		}
	}
	// Every role the engine reads has at least one signal.
	used := map[string]bool{}
	for _, s := range e.signals {
		used[s.role] = true
	}
	for r := range roles {
		if !used[r] {
			t.Errorf("no signal has role %s", r)
		}
	}

	iso := map[string]string{
		"PE-AMA": "Amazonas", "PE-ANC": "Áncash", "PE-APU": "Apurímac", "PE-ARE": "Arequipa",
		"PE-AYA": "Ayacucho", "PE-CAJ": "Cajamarca", "PE-CAL": "Callao", "PE-CUS": "Cusco",
		"PE-HUV": "Huancavelica", "PE-HUC": "Huánuco", "PE-ICA": "Ica", "PE-JUN": "Junín",
		"PE-LAL": "La Libertad", "PE-LAM": "Lambayeque", "PE-LIM": "Lima", "PE-LMA": "Lima Metropolitana",
		"PE-LOR": "Loreto", "PE-MDD": "Madre de Dios", "PE-MOQ": "Moquegua", "PE-PAS": "Pasco",
		"PE-PIU": "Piura", "PE-PUN": "Puno", "PE-SAM": "San Martín", "PE-TAC": "Tacna",
		"PE-TUM": "Tumbes", "PE-UCA": "Ucayali",
	}
	covered := map[string]bool{}
	for _, p := range e.places {
		if p.code == "" {
			continue
		}
		if _, ok := iso[p.code]; !ok {
			t.Errorf("place %q has unknown code %s", p.name, p.code)
		}
		if p.kind == "region" || p.kind == "capital" {
			covered[p.code] = true
		}
	}
	for code, name := range iso {
		if !covered[code] {
			t.Errorf("region %s (%s) has no region or capital row in the gazetteer", code, name)
		}
	}
	if len(e.kms) == 0 {
		t.Errorf("no km rule: La Pampa (Interoceánica km 98–115) would not geocode")
	}
}

// TestBrokenFilesAreReported checks that a malformed knowledge file is an
// error that names the file and line, never a silent skip.
func TestBrokenFilesAreReported(t *testing.T) {
	good := fstest.MapFS{
		"data/normalize.txt":  {Data: []byte("[abbreviations]\nq = que\n[numbers]\nquince = 15\n[nobreak]\nav\n")},
		"data/signals.txt":    {Data: []byte("help danger 0 1.5 - - pide ayuda\n")},
		"data/lexicon.es.txt": {Data: []byte("[help]\nayudenme\n")},
		"data/gazetteer.txt":  {Data: []byte("PE-MDD | region | Madre de Dios |\n")},
		"data/languages.txt":  {Data: []byte("es: de la que\n")},
		"data/decision.txt":   {Data: []byte(minimalDecision)},
		"data/morphology.txt": {Data: []byte("enclitic es la\ncase qu pi\ngerund es ando\n")},
		"data/reasons.txt":    {Data: minimalReasons()},
	}
	if err := (&Engine{}).load(good); err != nil {
		t.Fatalf("minimal files: got %v, want no error", err)
	}
	tests := []struct {
		name, file, data, want string
	}{
		{"a signal with an unknown role", "data/signals.txt", "help helper 0 1.5 - - pide ayuda\n", "signals.txt:1"},
		{"a section naming no signal", "data/lexicon.es.txt", "[ayuda]\nayudenme\n", "lexicon.es.txt:1"},
		{"unbalanced brackets", "data/lexicon.es.txt", "[help]\n(ayudenme|auxilio\n", "lexicon.es.txt:2"},
		{"a prefix ending in c", "data/lexicon.es.txt", "[help]\nauxilic*\n", "lexicon.es.txt:2"},
		{"a pattern that is all optional", "data/lexicon.es.txt", "[help]\nayuda?\n", "lexicon.es.txt:2"},
		{"a region code that is not ISO", "data/gazetteer.txt", "PE-XX | region | Nowhere |\n", "gazetteer.txt:1"},
		{"a gazetteer row with three fields", "data/gazetteer.txt", "PE-MDD | region | Madre de Dios\n", "gazetteer.txt:1"},
		{"a number that is not a number", "data/normalize.txt", "[numbers]\nquince = fifteen\n", "normalize.txt:2"},
		{"an unknown language", "data/languages.txt", "fr: le la\n", "languages.txt:1"},
		{"an unknown kind of ending", "data/morphology.txt", "enclitic es la\ncase qu pi\ngerund es ando\nsuffix es ito\n", "morphology.txt:4"},
		{"a kind of ending missing", "data/morphology.txt", "enclitic es la\ncase qu pi\n", "no gerund endings"},
		{"an unknown reason", "data/reasons.txt", string(minimalReasons()) + "praise = muy bien\n", "reasons.txt:29"},
		{"an unknown threshold", "data/decision.txt", minimalDecision + "threshold min_courage 1\n", "decision.txt:16"},
		{"a benign name that is no noise signal", "data/decision.txt", minimalDecision + "benign help\n", "decision.txt:16"},
		{"a missing threshold", "data/decision.txt", "threshold min_danger 2.5\n", "threshold emergency_danger is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range good {
				fsys[k] = v
			}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			err := (&Engine{}).load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load: got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

// minimalDecision gives every threshold of data/decision.txt once.
const minimalDecision = `threshold min_evidence 1
threshold min_danger 2.5
threshold min_exploit_high 2
threshold min_exploit_kid 1
threshold min_category 1.5
threshold min_category_alone 1
threshold minor_now_danger 2
threshold escape_danger 1.5
threshold now_danger 0.5
threshold intent_factor 0.75
threshold hedge_penalty 0.25
threshold emergency_danger 2
threshold low_confidence 0.5
threshold window_head_kib 8
threshold window_tail_kib 16
`

// minimalReasons gives every reason template once.
func minimalReasons() []byte {
	var b strings.Builder
	for _, k := range reasonKeys {
		b.WriteString(k + " = " + k + " {}\n")
	}
	return []byte(b.String())
}
