package triage

import (
	"fmt"
	"io/fs"
	"strings"
)

// morphology are the endings the matcher knows per language
// (data/morphology.txt): Spanish object pronouns glued to a verb
// ("llevarla"), Quechua case endings glued to names ("Cuscopi"), and the
// gerund endings that show work under way ("atendiendo", "serving").
type morphology struct {
	enclitics, cases, gerunds []string
}

// loadMorphology reads data/morphology.txt: "KIND LANG ENDING...", kinds
// enclitic, case and gerund. Every kind must be given.
func (e *Engine) loadMorphology(fsys fs.FS) error {
	mo := e.lx.morph
	kinds := map[string]*[]string{"enclitic": &mo.enclitics, "case": &mo.cases, "gerund": &mo.gerunds}
	err := readLines(fsys, "data/morphology.txt", func(line string, _ int) error {
		f := strings.Fields(line)
		if len(f) < 3 || kinds[f[0]] == nil || !validLang[f[1]] {
			return fmt.Errorf("want \"enclitic|case|gerund es|en|qu|ay ENDING...\", got %q", line)
		}
		for _, w := range f[2:] {
			*kinds[f[0]] = append(*kinds[f[0]], fold(w))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, v := range kinds {
		if len(*v) == 0 {
			return fmt.Errorf("data/morphology.txt: no %s endings", k)
		}
	}
	return nil
}
