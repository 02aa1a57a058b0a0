package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// campaignCases test campaign figures.
var campaignCases = []Case{
	{"campaign counters equal a recount of the tips after creations, follow-ups and changes", testCountersRecount},
	{"campaigns, their numbers and materials round-trip and codes are unique", testCampaigns},
}

func testCampaigns(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	camp := &tip.Campaign{ID: "camp-cus", Name: "Terminales Cusco", Regions: []string{"PE-CUS"}, Languages: []string{"es", "qu"},
		Start: "2026-11-01", End: "2026-12-31", Numbers: []string{"+51900000000"}, Contact: "+51900000099"}
	must(t, camp.Validate())
	must(t, s.CreateCampaign(ctx, camp))
	if err := s.CreateCampaign(ctx, &tip.Campaign{ID: "camp-cus", Name: "x"}); !tip.Is(err, tip.KindConflict) {
		t.Errorf("creating a campaign id twice error = %v, want conflict", err)
	}
	got, err := s.CampaignForNumber(ctx, "+51900000000", c.Now)
	must(t, err)
	if got.ID != camp.ID || got.Version != 1 || len(got.Languages) != 2 {
		t.Errorf("CampaignForNumber() = %+v, want %s at version 1", got, camp.ID)
	}
	later := func() time.Time { return time.Date(2027, 1, 5, 12, 0, 0, 0, time.UTC) }
	if _, err := s.CampaignForNumber(ctx, "+51900000000", later); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("CampaignForNumber() after the campaign ended error = %v, want not found", err)
	}
	stale := *camp
	camp.Numbers = []string{"+51900000001"}
	must(t, s.UpdateCampaign(ctx, camp))
	if err := s.UpdateCampaign(ctx, &stale); !errors.Is(err, store.ErrStale) {
		t.Errorf("a stale campaign update error = %v, want ErrStale", err)
	}
	if _, err := s.CampaignForNumber(ctx, "+51900000000", c.Now); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the number removed from the campaign still finds it: %v", err)
	}
	if got, err := s.CampaignForNumber(ctx, "+51900000001", c.Now); err != nil || got.Version != 2 {
		t.Errorf("CampaignForNumber(new number) = %+v, %v; want version 2", got, err)
	}
	list, err := s.ListCampaigns(ctx)
	must(t, err)
	if len(list) != 1 || list[0].ID != camp.ID {
		t.Errorf("ListCampaigns() = %+v", list)
	}
	m := &tip.Material{ID: "mat-1", CampaignID: camp.ID, Kind: "poster", Label: "Terminal terrestre", Place: "Wanchaq", Code: "CUS-7K"}
	must(t, s.CreateMaterial(ctx, m))
	dup := &tip.Material{ID: "mat-2", CampaignID: camp.ID, Kind: "flyer", Label: "x", Code: "CUS-7K"}
	if err := s.CreateMaterial(ctx, dup); !errors.Is(err, store.ErrCodeTaken) {
		t.Errorf("a second material with the code error = %v, want ErrCodeTaken", err)
	}
	if _, err := s.Material(ctx, "mat-2"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("the refused material exists")
	}
	byCode, err := s.MaterialByCode(ctx, "CUS-7K")
	must(t, err)
	if byCode.ID != "mat-1" || byCode.Place != "Wanchaq" {
		t.Errorf("MaterialByCode() = %+v", byCode)
	}
	c.Advance(time.Second)
	must(t, s.CreateMaterial(ctx, &tip.Material{ID: "mat-3", CampaignID: camp.ID, Kind: "radio", Label: "Spot quechua", Code: "CUS-9P"}))
	mats, err := s.Materials(ctx, camp.ID)
	must(t, err)
	if len(mats) != 2 || mats[0].ID != "mat-1" || mats[1].ID != "mat-3" {
		t.Errorf("Materials() = %+v, want mat-1 then mat-3", mats)
	}
}

func testCountersRecount(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	var ids []string
	mk := func(material string, u tip.Urgency) *tip.Tip {
		n := newTip(c, fmt.Sprintf("rk-count-%d", len(ids)))
		n.Tip.CampaignID, n.Tip.MaterialID = "camp-1", material
		n.Tip.Urgency, n.Tip.Reportable = u, u.Reportable()
		must(t, s.CreateTip(ctx, n))
		ids = append(ids, n.Tip.ID)
		return n.Tip
	}
	mk("mat-a", tip.High)
	mk("mat-a", tip.Low)
	b := mk("mat-b", tip.Medium)
	mk("", tip.Low)
	c.Advance(26 * time.Hour) // another Lima day
	d := mk("mat-a", tip.Medium)

	// A follow-up raises urgency.
	read, err := s.Tip(ctx, b.ID)
	must(t, err)
	must(t, s.AppendMessage(ctx, followUp(c, read, "SMcount1", "la tienen encerrada")))
	// Forwarded, then acknowledged.
	read, err = s.Tip(ctx, b.ID)
	must(t, err)
	read.Status = tip.StatusForwarded
	must(t, s.SaveTip(ctx, read))
	read.Status = tip.StatusAcknowledged
	must(t, s.SaveTip(ctx, read))
	// Staff mark one spam and lower another.
	read, err = s.Tip(ctx, d.ID)
	must(t, err)
	read.Status = tip.StatusSpam
	read.Urgency = tip.Low
	must(t, s.SaveTip(ctx, read))

	type bucket struct{ day, material string }
	want := map[bucket]store.Counter{}
	for _, id := range ids {
		tp, err := s.Tip(ctx, id)
		must(t, err)
		k := bucket{tip.Day(tp.CreatedAt), tp.MaterialID}
		if k.material == "" {
			k.material = "NONE"
		}
		w := want[k]
		w.Received++
		switch tp.Urgency {
		case tip.Critical:
			w.Critical++
		case tip.High:
			w.High++
		case tip.Medium:
			w.Medium++
		case tip.Low:
			w.Low++
		}
		if !tp.ForwardedAt.IsZero() {
			w.Forwarded++
		}
		if !tp.AcknowledgedAt.IsZero() {
			w.Acknowledged++
		}
		if tp.Urgency == tip.Low || tp.Status == tip.StatusSpam {
			w.Noise++
		}
		want[k] = w
	}
	got, err := s.Counters(ctx, "camp-1", "", "")
	must(t, err)
	seen := map[bucket]bool{}
	for _, g := range got {
		k := bucket{g.Day, g.MaterialID}
		seen[k] = true
		w := want[k]
		w.CampaignID, w.MaterialID, w.Day = g.CampaignID, g.MaterialID, g.Day
		if g != w {
			t.Errorf("counter %v = %+v, recount %+v", k, g, w)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no counter for %v, recount %+v", k, want[k])
		}
	}
	day2 := tip.Day(c.Now())
	only, err := s.Counters(ctx, "camp-1", day2, day2)
	must(t, err)
	if len(only) != 1 || only[0].Day != day2 || only[0].Received != 1 || only[0].Noise != 1 {
		t.Errorf("Counters(one day) = %+v, want the one spam tip of %s", only, day2)
	}
}
