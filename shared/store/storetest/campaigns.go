package storetest

import (
	"fmt"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// campaignCases test campaign figures.
var campaignCases = []Case{
	{"campaign counters equal a recount of the tips after creations, follow-ups and changes", testCountersRecount},
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
