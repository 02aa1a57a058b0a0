package intake_test

import (
	"context"
	"strings"
	"testing"

	"tipline/shared/campaign"
	"tipline/shared/tip"
)

// A tip credited to a material or a one-region campaign is placed where the
// material was shown when its text names no place, so regional staff see
// the tips their own posters bring.
func TestRegionFromMaterial(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	campaigns := []*tip.Campaign{
		{ID: "cus", Name: "Cusco terminales", Regions: []string{"PE-CUS"}, Start: "2026-11-01", Numbers: []string{"+51900000000"}},
		{ID: "sur", Name: "Sur andino", Regions: []string{"PE-CUS", "PE-PUN"}, Start: "2026-11-01", Numbers: []string{"+51900000111"}},
	}
	for _, c := range campaigns {
		if err := h.store.CreateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	materials := []*tip.Material{
		{ID: "m-cus", CampaignID: "cus", Kind: "poster", Label: "Terminal", Place: "Terminal terrestre de Cusco", Region: "PE-CUS", Code: "CUS-G4"},
		{ID: "m-old", CampaignID: "cus", Kind: "flyer", Label: "Mercado", Code: "CUS-7K"}, // made before materials had regions
		{ID: "m-pun", CampaignID: "sur", Kind: "poster", Label: "Puerto", Place: "Puerto de Puno", Region: "PE-PUN", Code: "PUN-3A"},
		{ID: "m-sur", CampaignID: "sur", Kind: "radio", Label: "Spot", Code: "CUS-9B"},
	}
	for _, m := range materials {
		if err := h.store.CreateMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, to, body      string
		region, place, from string // from: what the reason names; empty for no reason
	}{
		{"a material's region and place when the text names none", "+51900000000",
			"Código CUS-G4. hay una chica de 15 vendiendo en la calle de noche", "PE-CUS", "Terminal terrestre de Cusco", "el material CUS-G4"},
		{"a place in the text wins over the material", "+51900000000",
			"Código CUS-G4. en Juliaca hay una chica de 15 vendiendo en la calle de noche", "PE-PUN", "juliaca", ""},
		{"an older material without a region takes its one-region campaign's", "+51900000000",
			"CUS-7K hay una chica de 15 vendiendo en la calle de noche", "PE-CUS", "", "el material CUS-7K"},
		{"a material of a two-region campaign gives its own region", "+51900000111",
			"PUN-3A hay una chica de 15 vendiendo en la calle de noche", "PE-PUN", "Puerto de Puno", "el material PUN-3A"},
		{"a material of a two-region campaign without a region gives none", "+51900000111",
			"CUS-9B hay una chica de 15 vendiendo en la calle de noche", "", "", ""},
		{"no code: a one-region campaign of the number gives its region", "+51900000000",
			"hay una chica de 15 vendiendo en la calle de noche", "PE-CUS", "", "la campaña Cusco terminales"},
		{"no code: a two-region campaign of the number gives none", "+51900000111",
			"hay una chica de 15 vendiendo en la calle de noche", "", "", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from := "+5198760000" + string(rune('0'+i))
			f := form("SM"+strings.Repeat("a", 30)+string(rune('a'+i))+"x", from, tc.body)
			f.Set("To", tc.to)
			if rec := h.post(f, nil); rec.Code != 200 {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			tp := h.tipOf(from)
			if tp.Region != tc.region || !strings.EqualFold(tp.Place, tc.place) {
				t.Errorf("got region %q place %q, want %q %q (reasons %q)", tp.Region, tp.Place, tc.region, tc.place, tp.Reasons)
			}
			reason := located(tp.Reasons)
			switch {
			case tc.from == "" && reason != "":
				t.Errorf("got reason %q, want none about the material", reason)
			case tc.from != "" && !strings.Contains(reason, tc.from):
				t.Errorf("got reason %q, want one naming %s", reason, tc.from)
			}
		})
	}
	t.Run("a follow-up naming no place keeps the material's region and its reason", func(t *testing.T) {
		from := "+51987600000" // the first case's reporter
		if rec := h.post(form("SM"+strings.Repeat("b", 32), from, "tiene miedo, la tienen encerrada"), nil); rec.Code != 200 {
			t.Fatalf("got status %d, want 200", rec.Code)
		}
		tp := h.tipOf(from)
		if tp.MessageCount != 2 || tp.Region != "PE-CUS" || located(tp.Reasons) == "" {
			t.Errorf("got %d messages, region %q, reasons %q; want 2, PE-CUS and the material's reason", tp.MessageCount, tp.Region, tp.Reasons)
		}
	})
}

func located(reasons []string) string {
	for _, r := range reasons {
		if strings.HasPrefix(r, campaign.ReasonPrefix) {
			return r
		}
	}
	return ""
}
