package campaign_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"tipline/infra/localdb"
	"tipline/shared/campaign"
	"tipline/shared/store"
	"tipline/shared/tip"
)

func TestNewCode(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		code, err := campaign.NewCode("PE-CUS", 2, r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(code, "CUS-") || len(code) != 6 || !strings.ContainsAny(code[4:], "23456789") {
			t.Fatalf("NewCode() = %q, want CUS- and two characters with a digit", code)
		}
		if got := campaign.Candidates("hola " + code); len(got) != 1 || got[0] != code {
			t.Fatalf("Candidates(%q) = %v, want the code back", code, got)
		}
		seen[code] = true
	}
	if len(seen) < 150 {
		t.Errorf("%d distinct codes in 200 draws, want variety", len(seen))
	}
	if code, _ := campaign.NewCode("", 3, r); !strings.HasPrefix(code, "PER-") || len(code) != 7 {
		t.Errorf("NewCode without region = %q, want PER- and three characters", code)
	}
}

func TestCandidatesAndStrip(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
		stripped   string
	}{
		{"the prefilled WhatsApp text", "Código CUS-7K. Quiero avisar: en el terminal hay una niña sola", []string{"CUS-7K"}, "en el terminal hay una niña sola"},
		{"lower case with a space", "cus 7k vi a unas chicas en un bar", []string{"CUS-7K"}, "vi a unas chicas en un bar"},
		{"the code at the end", "hay menores trabajando en la mina. PUN-A3", []string{"PUN-A3"}, "hay menores trabajando en la mina."},
		{"without accent and glued", "codigo MDD4X: en la pampa", []string{"MDD-4X"}, "en la pampa"},
		{"words are not codes", "en el bar de la esquina hay chicas menores, cusco", nil, ""},
		{"letters only are not codes", "LIM-AB no es un codigo", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := campaign.Candidates(tc.text)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("Candidates() = %v, want %v", got, tc.want)
			}
			if len(got) > 0 {
				if s := campaign.Strip(tc.text, got[0]); s != tc.stripped {
					t.Errorf("Strip() = %q, want %q", s, tc.stripped)
				}
			}
		})
	}
}

func TestLinksAndPrintText(t *testing.T) {
	link := campaign.WhatsAppLink("+51900000000", "CUS-7K", "es")
	u, err := url.Parse(link)
	if err != nil || u.Host != "wa.me" || u.Path != "/51900000000" {
		t.Fatalf("WhatsAppLink() = %q, want wa.me/51900000000", link)
	}
	text := u.Query().Get("text")
	if got := campaign.Candidates(text); len(got) != 1 || got[0] != "CUS-7K" {
		t.Errorf("the prefilled text %q does not carry the code", text)
	}
	if s := campaign.Strip(text+"hay chicas", "CUS-7K"); s != "hay chicas" {
		t.Errorf("Strip(prefilled + message) = %q, want the message alone", s)
	}
	if p := campaign.PrintText("+51900000000", "CUS-7K", "es", false); !strings.Contains(p, "+51 900 000 000") || !strings.Contains(p, "CUS-7K") {
		t.Errorf("PrintText() = %q", p)
	}
}

func TestQRDecodesToTheLink(t *testing.T) {
	link := campaign.WhatsAppLink("+51900000000", "CUS-7K", "es")
	// The form of WhatsApp's click-to-chat documentation: UTF-8
	// percent-encoded, a space as %20.
	const documented = "https://wa.me/51900000000?text=C%C3%B3digo%20CUS-7K.%20Quiero%20avisar%3A%20"
	pngBytes, err := campaign.QR(link, campaign.QRModule)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dx() != b.Dy() {
		t.Errorf("image is %dx%d, want a square of at least 800 px for print", b.Dx(), b.Dy())
	}
	if got := decode(t, img); got != documented {
		t.Errorf("QR decodes to %q, want %q", got, documented)
	}
	if _, err := campaign.QR(link, 0); !tip.Is(err, tip.KindInvalid) {
		t.Errorf("QR with module 0 error = %v, want invalid", err)
	}
}

func decode(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	return res.GetText()
}

func TestAttribute(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) }
	s := store.New(db, "tipline", now)
	c := &tip.Campaign{ID: "camp-cus", Name: "Terminales", Start: "2026-11-01", Numbers: []string{"+51900000000"}}
	if err := s.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMaterial(ctx, &tip.Material{ID: "mat-1", CampaignID: "camp-other", Kind: "poster", Label: "x", Code: "CUS-7K"}); err != nil {
		t.Fatal(err)
	}
	a := campaign.NewAttributor(s, now, time.Minute)
	tests := []struct {
		name, to, text           string
		campaign, material, left string
	}{
		{"a code wins over the number", "whatsapp:+51900000000", "Código CUS-7K. Quiero avisar: hay una niña", "camp-other", "mat-1", "hay una niña"},
		{"no code: the campaign of the number", "+51900000000", "hay una niña en el bar", "camp-cus", "", "hay una niña en el bar"},
		{"an unknown code and an unknown number: none", "+51911111111", "PUN-A3 hay una niña", "", "", "PUN-A3 hay una niña"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := a.Attribute(ctx, tc.to, tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if got.CampaignID != tc.campaign || got.MaterialID != tc.material || got.Text != tc.left {
				t.Errorf("Attribute() = %+v, want campaign %q, material %q, text %q", got, tc.campaign, tc.material, tc.left)
			}
		})
	}
}
