package staff

import (
	"net/http"
	"strings"
	"time"

	"tipline/shared/store"
)

// maxPeriod bounds the period of one figures request.
const maxPeriod = 366 * 24 * time.Hour

// stats answers the figures of a period: from and to are dates (Lima days,
// both included) or RFC 3339 times (to excluded); the default is the last
// 30 days.
func (h *Handler) stats(w http.ResponseWriter, r *http.Request, p Principal) error {
	v := r.URL.Query()
	now := h.d.Now()
	to, err := parseBound(v.Get("to"), h.d.Location, true)
	if err != nil {
		return invalid("to %q is not a date (2026-11-20) or an RFC 3339 time", v.Get("to"))
	}
	if to.IsZero() {
		to = now
	}
	from, err := parseBound(v.Get("from"), h.d.Location, false)
	if err != nil {
		return invalid("from %q is not a date (2026-11-20) or an RFC 3339 time", v.Get("from"))
	}
	if from.IsZero() {
		from = to.Add(-30 * 24 * time.Hour)
	}
	if !from.Before(to) {
		return invalid("from must be before to")
	}
	if to.Sub(from) > maxPeriod {
		return invalid("the period is longer than 366 days")
	}
	q := store.StatsQuery{From: from, To: to, Location: h.d.Location}
	campaign := v.Get("campaign")
	switch {
	case len(campaign) > 64 || strings.Contains(campaign, "#"):
		return invalid("campaign %q is not a campaign id", campaign)
	case campaign != "":
		q.Campaigns = []string{campaign}
	default:
		// Every campaign's partition, and that of tips of no campaign.
		list, err := h.d.Store.ListCampaigns(r.Context())
		if err != nil {
			return err
		}
		for _, c := range list {
			q.Campaigns = append(q.Campaigns, c.ID)
		}
		q.Campaigns = append(q.Campaigns, "")
	}
	if s := v.Get("region"); s != "" {
		switch up := strings.ToUpper(s); {
		case up == "NONE":
			q.Region = store.NoRegion
		case ValidRegion(up):
			q.Region = up
		default:
			return invalid("region %q is not an ISO 3166-2:PE code such as PE-MDD (or none)", s)
		}
	}
	st, err := h.d.Store.Stats(r.Context(), q)
	if err != nil {
		return err
	}
	var figures *campaignFigures
	if campaign != "" {
		cs, err := h.d.Store.Counters(r.Context(), campaign, from.In(h.d.Location).Format("2006-01-02"),
			to.Add(-time.Nanosecond).In(h.d.Location).Format("2006-01-02"))
		if err != nil {
			return err
		}
		figures = figuresOf(cs)
	}
	writeJSON(w, http.StatusOK, struct {
		From     time.Time `json:"from"`
		To       time.Time `json:"to"`
		Campaign string    `json:"campaign,omitempty"`
		Region   string    `json:"region,omitempty"`
		store.Stats
		Figures *campaignFigures `json:"campaign_figures,omitempty"`
	}{from.UTC(), to.UTC(), campaign, q.Region, st, figures})
	return nil
}

// campaignFigures are a campaign's figures (recounted from its tips by
// the store), by material and by day, with the share of noise.
type campaignFigures struct {
	Totals     figureRow   `json:"totals"`
	ByMaterial []figureRow `json:"by_material"`
	ByDay      []figureRow `json:"by_day"`
}

type figureRow struct {
	MaterialID   string  `json:"material_id,omitempty"`
	Day          string  `json:"day,omitempty"`
	Received     int     `json:"received"`
	Critical     int     `json:"critical"`
	High         int     `json:"high"`
	Medium       int     `json:"medium"`
	Low          int     `json:"low"`
	Forwarded    int     `json:"forwarded"`
	Acknowledged int     `json:"acknowledged"`
	Noise        int     `json:"noise"`
	NoiseShare   float64 `json:"noise_share"`
}

func (f *figureRow) add(c store.Counter) {
	f.Received += c.Received
	f.Critical += c.Critical
	f.High += c.High
	f.Medium += c.Medium
	f.Low += c.Low
	f.Forwarded += c.Forwarded
	f.Acknowledged += c.Acknowledged
	f.Noise += c.Noise
	if f.Received > 0 {
		f.NoiseShare = float64(f.Noise) / float64(f.Received)
	}
}

func figuresOf(cs []store.Counter) *campaignFigures {
	out := &campaignFigures{ByMaterial: []figureRow{}, ByDay: []figureRow{}}
	byMat, byDay := map[string]int{}, map[string]int{}
	for _, c := range cs {
		out.Totals.add(c)
		i, ok := byMat[c.MaterialID]
		if !ok {
			i = len(out.ByMaterial)
			byMat[c.MaterialID] = i
			out.ByMaterial = append(out.ByMaterial, figureRow{MaterialID: c.MaterialID})
		}
		out.ByMaterial[i].add(c)
		j, ok := byDay[c.Day]
		if !ok {
			j = len(out.ByDay)
			byDay[c.Day] = j
			out.ByDay = append(out.ByDay, figureRow{Day: c.Day})
		}
		out.ByDay[j].add(c)
	}
	return out
}

// parseBound reads a date or a time; a date as an upper bound means the end
// of that day.
func parseBound(s string, loc *time.Location, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Parse(time.RFC3339, s)
}
