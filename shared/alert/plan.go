package alert

import (
	"slices"
	"sort"

	"tipline/shared/tip"
)

// Plan resolves the route of a tip from the routing rules and the
// authority directory. A rule matches when its region, category, minor and
// urgency filters all match; rules with region "*" are fallbacks that
// match only when no rule naming the tip's region (or "NONE" for a tip
// without region) matched. Each matching rule puts its authorities at its
// tiers; an authority named by several rules keeps its lowest tier. An
// authority's contact of tier c at authority tier a is alerted at tier
// a+c-1. Inactive and unknown authorities are skipped.
//
// It returns the targets, lowest tier first, and the ids of the rules used.
func Plan(t tip.Triage, rules []tip.Rule, authorities []tip.Authority) ([]tip.Target, []string) {
	region := t.Region
	if region == "" {
		region = tip.NoRegion
	}
	var specific, fallback []tip.Rule
	for _, r := range rules {
		if !filtersMatch(r, t) {
			continue
		}
		switch {
		case slices.Contains(r.Regions, region):
			specific = append(specific, r)
		case slices.Contains(r.Regions, tip.AnyRegion):
			fallback = append(fallback, r)
		}
	}
	matched := specific
	if len(matched) == 0 {
		matched = fallback
	}
	tierOf := map[string]int{}
	var ruleIDs []string
	for _, r := range matched {
		ruleIDs = append(ruleIDs, r.ID)
		for i, ids := range r.Tiers {
			for _, id := range ids {
				if cur, ok := tierOf[id]; !ok || i+1 < cur {
					tierOf[id] = i + 1
				}
			}
		}
	}
	var out []tip.Target
	for _, a := range authorities {
		base, ok := tierOf[a.ID]
		if !ok || !a.Active {
			continue
		}
		out = append(out, contactsAt(a, base)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Tier != out[j].Tier {
			return out[i].Tier < out[j].Tier
		}
		if out[i].AuthorityID != out[j].AuthorityID {
			return out[i].AuthorityID < out[j].AuthorityID
		}
		return out[i].Contact < out[j].Contact
	})
	sort.Strings(ruleIDs)
	return out, ruleIDs
}

// contactsAt lists an authority's contacts as targets when the authority
// sits at tier base.
func contactsAt(a tip.Authority, base int) []tip.Target {
	out := make([]tip.Target, 0, len(a.Contacts))
	for i, c := range a.Contacts {
		out = append(out, tip.Target{AuthorityID: a.ID, Contact: i, Channel: c.Channel, Address: c.Address, Tier: base + max(c.Tier, 1) - 1})
	}
	return out
}

func filtersMatch(r tip.Rule, t tip.Triage) bool {
	if len(r.Categories) > 0 && !slices.Contains(r.Categories, t.Category) {
		return false
	}
	if r.Minor != nil && *r.Minor != t.Minor {
		return false
	}
	if len(r.Urgencies) > 0 && !slices.Contains(r.Urgencies, t.Urgency) {
		return false
	}
	return true
}
