// Package seed holds the authority directory and routing rules a new
// deployment starts from (authorities.json, rules.json) and loads them into
// the table. The institutions are real; every phone number is a fake
// +51 900 000 xxx that deployers replace (see README.md).
package seed

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"

	"tipline/shared/store"
	"tipline/shared/tip"
)

//go:embed authorities.json rules.json
var files embed.FS

// Data returns the seed authorities and rules, checked: every authority and
// rule valid, every authority a rule names present.
func Data() ([]tip.Authority, []tip.Rule, error) {
	var auths []tip.Authority
	var rules []tip.Rule
	for name, dst := range map[string]any{"authorities.json": &auths, "rules.json": &rules} {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, nil, fmt.Errorf("seed: %s: %w", name, err)
		}
	}
	known := map[string]bool{}
	for _, a := range auths {
		if err := a.Validate(); err != nil {
			return nil, nil, fmt.Errorf("seed: authority %s: %w", a.ID, err)
		}
		known[a.ID] = true
	}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, nil, fmt.Errorf("seed: rule %s: %w", r.ID, err)
		}
		for _, tier := range r.Tiers {
			for _, id := range tier {
				if !known[id] {
					return nil, nil, fmt.Errorf("seed: rule %s names unknown authority %q", r.ID, id)
				}
			}
		}
	}
	return auths, rules, nil
}

// Load writes the seed authorities and rules into the table, replacing
// those with the same ids. It is idempotent.
func Load(ctx context.Context, s *store.Store) (authorities, rules int, err error) {
	auths, rs, err := Data()
	if err != nil {
		return 0, 0, err
	}
	for _, a := range auths {
		if err := s.PutAuthority(ctx, a); err != nil {
			return 0, 0, err
		}
	}
	for _, r := range rs {
		if err := s.PutRule(ctx, r); err != nil {
			return 0, 0, err
		}
	}
	return len(auths), len(rs), nil
}
