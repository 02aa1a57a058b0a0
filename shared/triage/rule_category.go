package triage

import "tipline/shared/tip"

// ruleCategoryName names the purpose of the exploitation: the category
// with the most weight, or unknown when the weight is too little.
const ruleCategoryName = "categoría"

func (e *Engine) ruleCategory(s *state) {
	if s.urgency == tip.Low {
		s.category = tip.CategoryNone
		return
	}
	bestCat, bestW, others := tip.CategoryUnknown, 0.0, 0.0
	for _, c := range []string{tip.CategorySexual, tip.CategoryLabor, tip.CategoryOther} {
		if s.cat[c] > bestW {
			bestCat, bestW = c, s.cat[c]
		}
		others += s.cat[c]
	}
	others -= bestW
	// One purpose with little weight still names the category when
	// exploitation is going on and nothing points elsewhere ("un bar"
	// where they take her documents is sexual exploitation).
	alone := bestW >= e.th.minCategoryAlone && others == 0 && s.ev.exploit > 0
	if bestW < e.th.minCategory && !alone {
		bestCat = tip.CategoryUnknown
	}
	s.category = bestCat
}
