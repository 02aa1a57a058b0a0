package triage

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// morphology are the endings the matcher knows per language
// (data/morphology.txt): Spanish object pronouns glued to a verb
// ("llevarla"), Quechua case endings glued to names ("Cuscopi"), and the
// gerund endings that show work under way ("atendiendo", "serving").
// Some case endings also say what a place is to the situation
// (placeRoles, longest ending first): "Cuscopi" is where it happens,
// "Maldonadoman" a destination, "Juliacamanta" an origin.
type morphology struct {
	enclitics, cases, gerunds []string
	placeRoles                []caseRole
}

// caseRole is the place role (roleHere, roleTo, roleFrom) a case ending
// gives the place it is glued to.
type caseRole struct{ ending, role string }

// loadMorphology reads data/morphology.txt: "KIND LANG ENDING...", kinds
// enclitic, case and gerund, which must all be given, and here, to and
// from, the place role of case endings given before, which may be left out.
func (e *Engine) loadMorphology(fsys fs.FS) error {
	mo := e.lx.morph
	kinds := map[string]*[]string{"enclitic": &mo.enclitics, "case": &mo.cases, "gerund": &mo.gerunds}
	roles := map[string]string{"here": roleHere, "to": roleTo, "from": roleFrom}
	err := readLines(fsys, "data/morphology.txt", func(line string, _ int) error {
		f := strings.Fields(line)
		if len(f) < 3 || (kinds[f[0]] == nil && roles[f[0]] == "") || !validLang[f[1]] {
			return fmt.Errorf("want \"enclitic|case|gerund|here|to|from es|en|qu|ay ENDING...\", got %q", line)
		}
		for _, w := range f[2:] {
			if r := roles[f[0]]; r != "" {
				if !slices.Contains(mo.cases, fold(w)) {
					return fmt.Errorf("%s ending %q is not a case ending given before it", f[0], w)
				}
				mo.placeRoles = append(mo.placeRoles, caseRole{fold(w), r})
				continue
			}
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
	slices.SortStableFunc(mo.placeRoles, func(x, y caseRole) int { return len(y.ending) - len(x.ending) })
	return nil
}

// placeRole returns the place role the case ending of token t gives it,
// or "": only a token read through a case ending (t.stem) has one.
func (mo *morphology) placeRole(t *token) string {
	if t.stem == "" {
		return ""
	}
	for _, c := range mo.placeRoles {
		if strings.HasSuffix(t.norm, c.ending) {
			return c.role
		}
	}
	return ""
}
