package seed_test

import (
	"context"
	"strings"
	"testing"

	"tipline/infra/localdb"
	"tipline/infra/seed"
	"tipline/shared/alert"
	"tipline/shared/store"
	"tipline/shared/tip"
)

func TestSeed(t *testing.T) {
	auths, rules, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("every phone number is a fake +51 900 000 xxx", func(t *testing.T) {
		for _, a := range auths {
			for _, c := range a.Contacts {
				if !strings.HasPrefix(c.Address, "+51900000") || len(c.Address) != 12 {
					t.Errorf("%s has %s, want +51900000xxx", a.ID, c.Address)
				}
			}
		}
	})
	routes := []struct {
		name   string
		triage tip.Triage
		want   []string // authorities of tier 1
	}{
		{"a critical tip from Madre de Dios goes to its FISTRAP and police unit", tip.Triage{Urgency: tip.Critical, Region: "PE-MDD", Reportable: true},
			[]string{"fistrap-mdd", "pnp-trata-mdd"}},
		{"a tip with a minor in Cusco also goes to the UPE", tip.Triage{Urgency: tip.High, Region: "PE-CUS", Minor: true, Reportable: true},
			[]string{"fistrap-cus", "pnp-trata-cus", "upe-cus"}},
		{"a tip from Lima region goes to Lima's units", tip.Triage{Urgency: tip.High, Region: "PE-LIM", Reportable: true},
			[]string{"fistrap-lma", "pnp-trata-lma"}},
		{"a tip without region goes to the national units", tip.Triage{Urgency: tip.Critical, Reportable: true},
			[]string{"dirctptim", "fistrap-coordinacion"}},
		{"a tip from a region without rules falls back to the national units", tip.Triage{Urgency: tip.High, Region: "PE-JUN", Reportable: true},
			[]string{"dirctptim", "fistrap-coordinacion"}},
	}
	for _, tc := range routes {
		t.Run(tc.name, func(t *testing.T) {
			targets, _ := alert.Plan(tc.triage, rules, auths)
			got := map[string]bool{}
			for _, tg := range targets {
				if tg.Tier == 1 {
					got[tg.AuthorityID] = true
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("tier 1 = %v, want %v", got, tc.want)
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("tier 1 = %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Run("loading twice into a table keeps one copy of each", func(t *testing.T) {
		ctx := context.Background()
		db, err := localdb.Embedded(ctx, "tipline")
		if err != nil {
			t.Fatal(err)
		}
		s := store.New(db, "tipline", nil)
		for i := 0; i < 2; i++ {
			if _, _, err := seed.Load(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Authorities(ctx)
		if err != nil || len(got) != len(auths) {
			t.Errorf("Authorities() = %d, %v; want %d", len(got), err, len(auths))
		}
		if id, _, err := s.AuthorityByPhone(ctx, "+51900000111"); err != nil || id != "fistrap-mdd" {
			t.Errorf("AuthorityByPhone(+51900000111) = %s, %v; want fistrap-mdd", id, err)
		}
	})
}
