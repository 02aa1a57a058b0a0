package staff_test

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"tipline/shared/staff"
	"tipline/shared/tip"
)

type materialJSON struct {
	ID           string `json:"id"`
	CampaignID   string `json:"campaign_id"`
	Code         string `json:"code"`
	Kind         string `json:"kind"`
	WhatsAppLink string `json:"whatsapp_link"`
	SMSText      string `json:"sms_text"`
	QRURL        string `json:"qr_url"`
}

func TestCampaignsAndMaterials(t *testing.T) {
	hs := newHarness(t)
	admin := hs.token("root", staff.RoleAdmin)
	sup := hs.token("sup", staff.RoleSupervisor)
	staffer := hs.token("ana", staff.RoleStaff, "PE-CUS")
	body := map[string]any{"id": "cus-2026", "name": "Terminales de Cusco", "regions": []string{"PE-CUS"},
		"languages": []string{"es", "qu"}, "start": "2026-11-01", "end": "2027-03-31", "numbers": []string{"+51900000000"}}

	t.Run("staff may not manage campaigns", func(t *testing.T) {
		if r := hs.do("POST", "/api/campaigns", staffer, body); r.status != 403 {
			t.Errorf("staff POST /api/campaigns = %d, want 403", r.status)
		}
		if r := hs.do("GET", "/api/campaigns", "", nil); r.status != 401 {
			t.Errorf("GET /api/campaigns without a token = %d, want 401", r.status)
		}
	})
	t.Run("bad campaigns are refused with every problem named", func(t *testing.T) {
		r := hs.do("POST", "/api/campaigns", admin, map[string]any{"name": "", "start": "mañana", "numbers": []string{"999"}, "regions": []string{"Cusco"}})
		if r.status != 400 {
			t.Fatalf("status %d, want 400", r.status)
		}
		for _, want := range []string{"name", "start", "number", "region"} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("error %s does not name %q", r.body, want)
			}
		}
	})
	var m materialJSON
	t.Run("a supervisor creates a campaign and a material with a code, link and QR", func(t *testing.T) {
		if r := hs.do("POST", "/api/campaigns", sup, body); r.status != 201 {
			t.Fatalf("create campaign = %d %s", r.status, r.body)
		}
		if r := hs.do("POST", "/api/campaigns", sup, body); r.status != 409 {
			t.Errorf("creating it again = %d, want 409", r.status)
		}
		r := hs.do("POST", "/api/campaigns/cus-2026/materials", sup, map[string]string{"kind": "poster", "label": "Terminal terrestre", "place": "Wanchaq"})
		if r.status != 201 {
			t.Fatalf("create material = %d %s", r.status, r.body)
		}
		r.json(t, &m)
		if !strings.HasPrefix(m.Code, "CUS-") || m.CampaignID != "cus-2026" {
			t.Errorf("material = %+v, want a CUS- code in cus-2026", m)
		}
		u, err := url.Parse(m.WhatsAppLink)
		if err != nil || u.Host != "wa.me" || u.Path != "/51900000000" || !strings.Contains(u.Query().Get("text"), m.Code) {
			t.Errorf("whatsapp_link = %q, want wa.me/51900000000 with the code prefilled", m.WhatsAppLink)
		}
		if !strings.Contains(m.SMSText, m.Code) {
			t.Errorf("sms_text %q lacks the code", m.SMSText)
		}
		q := hs.do("GET", m.QRURL, sup, nil)
		if q.status != 200 || q.header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s = %d %s", m.QRURL, q.status, q.header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader(q.body))
		if err != nil {
			t.Fatalf("QR is not a PNG: %v", err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || res.GetText() != m.WhatsAppLink {
			t.Errorf("QR decodes to %v (%v), want the click-to-chat link", res, err)
		}
		if q := hs.do("GET", m.QRURL+"?module=2", sup, nil); q.status != 400 {
			t.Errorf("QR with module 2 = %d, want 400", q.status)
		}
		if q := hs.do("GET", "/api/materials/nope/qr.png", sup, nil); q.status != 404 {
			t.Errorf("QR of an unknown material = %d, want 404", q.status)
		}
	})
	t.Run("the campaign lists its materials and a stale change is refused", func(t *testing.T) {
		var c struct {
			Version   int            `json:"version"`
			Materials []materialJSON `json:"materials"`
		}
		r := hs.do("GET", "/api/campaigns/cus-2026", admin, nil)
		r.json(t, &c)
		if r.status != 200 || len(c.Materials) != 1 || c.Materials[0].Code != m.Code {
			t.Fatalf("GET campaign = %d %s", r.status, r.body)
		}
		if r := hs.do("PATCH", "/api/campaigns/cus-2026", admin, map[string]any{"version": c.Version, "name": "Terminales y ferias"}); r.status != 200 {
			t.Errorf("PATCH = %d %s", r.status, r.body)
		}
		if r := hs.do("PATCH", "/api/campaigns/cus-2026", admin, map[string]any{"version": c.Version, "name": "x"}); r.status != 409 {
			t.Errorf("stale PATCH = %d, want 409", r.status)
		}
	})
	t.Run("figures of the campaign come from its counters, by material and day", func(t *testing.T) {
		ctx := context.Background()
		for i, mat := range []string{m.ID, m.ID, ""} {
			tp := hs.seed(tipSpec{region: "PE-CUS"})
			tp.CampaignID, tp.MaterialID = "cus-2026", mat
			if i == 2 {
				tp.Urgency = tip.Low
			}
			// Seeded tips carry no campaign; credit them as the webhook would.
			must(t, hs.store.SaveTip(ctx, tp))
		}
		var got struct {
			Figures struct {
				Totals struct {
					Received   int     `json:"received"`
					Noise      int     `json:"noise"`
					NoiseShare float64 `json:"noise_share"`
				} `json:"totals"`
				ByMaterial []struct {
					MaterialID string `json:"material_id"`
					Received   int    `json:"received"`
				} `json:"by_material"`
			} `json:"campaign_figures"`
		}
		r := hs.do("GET", "/api/stats?campaign=cus-2026", sup, nil)
		r.json(t, &got)
		byMat := map[string]int{}
		for _, b := range got.Figures.ByMaterial {
			byMat[b.MaterialID] = b.Received
		}
		if r.status != 200 || got.Figures.Totals.Received != 3 || byMat[m.ID] != 2 || byMat["NONE"] != 1 || got.Figures.Totals.Noise != 1 {
			t.Errorf("campaign figures = %d %s", r.status, r.body)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMaterialRegion(t *testing.T) {
	hs := newHarness(t)
	sup := hs.token("sup", staff.RoleSupervisor)
	body := map[string]any{"id": "cus-2026", "name": "Terminales de Cusco", "regions": []string{"PE-CUS"},
		"start": "2026-11-01", "numbers": []string{"+51900000000"}}
	if r := hs.do("POST", "/api/campaigns", sup, body); r.status != 201 {
		t.Fatalf("create campaign = %d %s", r.status, r.body)
	}
	t.Run("a material is placed in the campaign's region, and only in one of its regions", func(t *testing.T) {
		var got struct {
			Region string `json:"region"`
		}
		r := hs.do("POST", "/api/campaigns/cus-2026/materials", sup, map[string]string{"kind": "flyer", "label": "Mercado", "place": "San Pedro"})
		if r.status != 201 {
			t.Fatalf("create material = %d %s", r.status, r.body)
		}
		r.json(t, &got)
		if got.Region != "PE-CUS" {
			t.Errorf("got region %q for a material of a one-region campaign, want PE-CUS", got.Region)
		}
		r = hs.do("POST", "/api/campaigns/cus-2026/materials", sup, map[string]string{"kind": "flyer", "label": "Puerto", "region": "PE-PUN"})
		if r.status != 400 || !strings.Contains(string(r.body), "PE-PUN") {
			t.Errorf("got %d %s for a region outside the campaign, want 400 naming it", r.status, r.body)
		}
	})
}
