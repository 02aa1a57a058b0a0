// Package campaign ties tips to the campaigns and printed, broadcast or
// posted materials that prompted them: material codes, WhatsApp
// click-to-chat links and their QR codes, the texts to print, and the
// attribution of a first message to a material or a campaign.
package campaign

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	qrcode "github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"

	"tipline/shared/tip"
)

//go:embed texts.json
var textsJSON []byte

// Texts are the reporter-facing sentences of materials, per language.
type Texts struct {
	Prefill       string `json:"prefill"`        // prefilled WhatsApp text; {code}
	PrintSMS      string `json:"print_sms"`      // text to print beside the number; {number}, {code}
	PrintWhatsApp string `json:"print_whatsapp"` // text to print beside the QR; {number}, {code}
}

var texts = func() map[string]Texts {
	var m map[string]Texts
	if err := json.Unmarshal(textsJSON, &m); err != nil {
		panic("campaign: texts.json: " + err.Error()) // embedded at build time; tests load it
	}
	return m
}()

// TextsFor returns the texts of lang, or Spanish.
func TextsFor(lang string) Texts {
	if t, ok := texts[lang]; ok {
		return t
	}
	return texts[tip.LangSpanish]
}

// regionPrefixes are the three-letter region parts of ISO 3166-2:PE codes
// that start material codes (CUS-7K: a material in Cusco).
var regionPrefixes = func() []string {
	out := []string{"PER"}
	for _, r := range tip.Regions {
		out = append(out, strings.TrimPrefix(r, "PE-"))
	}
	return out
}()

// codePattern finds material codes in folded, upper-case text: a region
// prefix, an optional separator, then two or three characters of the
// reference alphabet with at least one digit (so words are not codes).
var codePattern = regexp.MustCompile(`\b(` + strings.Join(regionPrefixes, "|") + `)[\s\-_.:#]{0,3}([A-HJKMNP-Z2-9]{2,3})\b`)

const digits = "23456789"

// NewCode draws a material code for a campaign in region (PE-CUS → CUS-7K;
// PER-… when the campaign has no region). length is 2 or 3 characters after
// the dash; at least one is a digit.
func NewCode(region string, length int, r io.Reader) (string, error) {
	prefix := "PER"
	if tip.ValidRegion(region) {
		prefix = region[3:]
	}
	for {
		out, err := tip.RandomCode(r, length)
		if err != nil {
			return "", err
		}
		if strings.ContainsAny(out, digits) {
			return prefix + "-" + out, nil
		}
	}
}

// Candidates returns the material codes a message may carry, normalised
// (CUS-7K), in order of appearance, at most three.
func Candidates(text string) []string {
	var out []string
	for _, m := range codePattern.FindAllStringSubmatch(strings.ToUpper(tip.StripAccents(text)), -1) {
		if !strings.ContainsAny(m[2], digits) {
			continue
		}
		out = append(out, m[1]+"-"+m[2])
		if len(out) == 3 {
			break
		}
	}
	return out
}

// Strip removes a material code and the prefilled words around it from a
// message, leaving what the reporter wrote for triage to read.
func Strip(text, code string) string {
	prefix, suffix, _ := strings.Cut(code, "-")
	// Accents and case do not matter; the folded text keeps rune positions
	// for ASCII, so match on a pattern that tolerates both.
	re := regexp.MustCompile(`(?i)(c[oó]digo|code|cod\.?)?\s*` + prefix + `[\s\-_.:#]{0,3}` + suffix + `\b[\s.:,;-]*`)
	out := re.ReplaceAllString(text, " ")
	for _, t := range texts {
		lead := strings.TrimSpace(strings.SplitN(t.Prefill, "{code}", 2)[1])
		lead = strings.TrimLeft(lead, ". ")
		trimmed := strings.TrimSpace(out)
		if lead != "" && len(trimmed) >= len(lead) && strings.EqualFold(trimmed[:len(lead)], lead) {
			out = trimmed[len(lead):]
		}
	}
	return strings.TrimSpace(out)
}

// WhatsAppLink is the click-to-chat link of a material: it opens a chat
// with number (E.164) with the prefilled text carrying the code, encoded as
// WhatsApp documents it (https://faq.whatsapp.com/general/26000030, "How to use click to chat":
// "https://wa.me/15551234567?text=I'm%20interested%20in%20your%20car%20for%20sale"),
// a space as %20, never +.
func WhatsAppLink(number, code, lang string) string {
	text := strings.ReplaceAll(TextsFor(lang).Prefill, "{code}", code)
	return "https://wa.me/" + strings.TrimPrefix(number, "+") + "?text=" + percentEncode(text)
}

// percentEncode escapes s as JavaScript's encodeURIComponent does: UTF-8
// bytes as %XX except letters, digits and - _ . ! ~ * ' ( ).
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// PrintText is what to print on a material beside the number.
func PrintText(number, code, lang string, whatsapp bool) string {
	t := TextsFor(lang).PrintSMS
	if whatsapp {
		t = TextsFor(lang).PrintWhatsApp
	}
	return strings.NewReplacer("{number}", displayNumber(number), "{code}", code).Replace(t)
}

// displayNumber writes a Peruvian number as people read it: +51 987 654 321.
func displayNumber(n string) string {
	if strings.HasPrefix(n, "+51") && len(n) == 12 {
		return "+51 " + n[3:6] + " " + n[6:9] + " " + n[9:]
	}
	return n
}

// QRModule is the side of one QR module in pixels: with a version-4 to 6
// code (33 to 41 modules plus the quiet zone) the image is about 1,000 to
// 1,200 pixels, sharp when printed 20 cm wide.
const QRModule = 24

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// QR renders link as a PNG QR code, with the standard four-module quiet
// zone and error correction level Q (25%), which survives wear on posters.
func QR(link string, module int) ([]byte, error) {
	if module < 1 || module > 255 {
		return nil, tip.Errorf(tip.KindInvalid, "campaign: qr", "module size %d is not between 1 and 255 pixels", module)
	}
	qrc, err := qrcode.NewWith(link, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart))
	if err != nil {
		return nil, tip.E(tip.KindInvalid, "campaign: qr", err)
	}
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf}, standard.WithQRWidth(uint8(module)),
		standard.WithBorderWidth(4*module), standard.WithBuiltinImageEncoder(standard.PNG_FORMAT))
	if err := qrc.Save(w); err != nil {
		return nil, tip.E(tip.KindInternal, "campaign: qr", err)
	}
	return buf.Bytes(), nil
}

// Directory is what attribution reads.
type Directory interface {
	MaterialByCode(ctx context.Context, code string) (tip.Material, error)
	CampaignForNumber(ctx context.Context, to string, now tip.Clock) (tip.Campaign, error)
	Campaign(ctx context.Context, id string) (tip.Campaign, error)
}

// Attribution is the campaign and material a first message is credited to,
// where they were shown (Region and Place, empty when not known), and the
// message's text without the code.
type Attribution struct {
	CampaignID string
	MaterialID string
	Region     string
	Place      string
	Source     string // what the region comes from, for the reason: "del material CUS-7K (poster, Terminal)"
	Text       string
}

// Attributor credits first messages to materials and campaigns, caching
// what it reads for a short time (campaigns change rarely; a warm function
// then costs no extra round trip).
type Attributor struct {
	dir   Directory
	now   tip.Clock
	ttl   time.Duration
	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	credit Attribution // without Text
	until  time.Time
}

// NewAttributor returns an attributor reading dir; ttl is how long answers
// (found or not) are kept, 0 for not at all.
func NewAttributor(dir Directory, now tip.Clock, ttl time.Duration) *Attributor {
	if now == nil {
		now = time.Now
	}
	return &Attributor{dir: dir, now: now, ttl: ttl, cache: map[string]cached{}}
}

func (a *Attributor) lookup(ctx context.Context, key string, read func() (Attribution, error)) (Attribution, error) {
	a.mu.Lock()
	c, ok := a.cache[key]
	a.mu.Unlock()
	if ok && a.now().Before(c.until) {
		return c.credit, nil
	}
	credit, err := read()
	if err != nil {
		return Attribution{}, err
	}
	if a.ttl > 0 {
		a.mu.Lock()
		a.cache[key] = cached{credit, a.now().Add(a.ttl)}
		a.mu.Unlock()
	}
	return credit, nil
}

// onlyRegion is a campaign's region when it covers exactly one.
func onlyRegion(c tip.Campaign) string {
	if len(c.Regions) == 1 {
		return c.Regions[0]
	}
	return ""
}

// Attribute credits a first message sent to our number to (WhatsApp
// prefix allowed): the material whose code appears anywhere in text, else
// the campaign of the number, else none. The region is the material's, else
// that of a campaign covering exactly one region. Errors are transient store
// errors.
func (a *Attributor) Attribute(ctx context.Context, to, text string) (Attribution, error) {
	for _, code := range Candidates(text) {
		credit, err := a.lookup(ctx, "code:"+code, func() (Attribution, error) {
			m, err := a.dir.MaterialByCode(ctx, code)
			if tip.Is(err, tip.KindNotFound) {
				return Attribution{}, nil
			}
			if err != nil {
				return Attribution{}, err
			}
			out := Attribution{CampaignID: m.CampaignID, MaterialID: m.ID, Region: m.Region, Place: m.Place,
				Source: "del material " + Describe(m)}
			if out.Region == "" {
				// A material made before materials had regions.
				c, err := a.dir.Campaign(ctx, m.CampaignID)
				if err != nil && !tip.Is(err, tip.KindNotFound) {
					return Attribution{}, err
				}
				out.Region = onlyRegion(c)
			}
			return out, nil
		})
		if err != nil {
			return Attribution{Text: text}, err
		}
		if credit.MaterialID != "" {
			credit.Text = Strip(text, code)
			return credit, nil
		}
	}
	number := strings.TrimPrefix(to, "whatsapp:")
	credit, err := a.lookup(ctx, "number:"+number, func() (Attribution, error) {
		c, err := a.dir.CampaignForNumber(ctx, number, a.now)
		if tip.Is(err, tip.KindNotFound) {
			return Attribution{}, nil
		}
		return Attribution{CampaignID: c.ID, Region: onlyRegion(c), Source: "de la campaña " + c.Name}, err
	})
	credit.Text = text
	return credit, err
}

// ReasonPrefix begins the reason a tip's region was taken from its material
// or campaign.
const ReasonPrefix = "región tomada "

// Locate gives t the attribution's region and place when t's text named no
// place, with a reason saying so. A place in the text always wins.
func (a Attribution) Locate(t tip.Triage) tip.Triage {
	if t.Region != "" || a.Region == "" {
		return t
	}
	t.Region = a.Region
	if t.Place == "" {
		t.Place = a.Place
	}
	t.Reasons = append(slices.Clone(t.Reasons), fmt.Sprintf("%s%s (%s): el mensaje no nombra un lugar", ReasonPrefix, a.Source, a.Region))
	return t
}

// Describe names a material for people: "CUS-7K (poster, Terminal terrestre)".
func Describe(m tip.Material) string { return fmt.Sprintf("%s (%s, %s)", m.Code, m.Kind, m.Label) }
