package alert

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"tipline/shared/tip"
)

//go:embed texts/*.json
var textFiles embed.FS

// Texts are what authorities read: the alert, the acknowledgement answers,
// region names. Spanish, without accents so that alerts stay in GSM-7.
type Texts struct {
	Alert         string            `json:"alert"`
	Contact       string            `json:"contact"`
	Minor         string            `json:"minor"`
	NoPlace       string            `json:"no_place"`
	Urgency       map[string]string `json:"urgency"`
	Category      map[string]string `json:"category"`
	AckConfirm    string            `json:"ack_confirm"`
	AckUnknown    string            `json:"ack_unknown"`
	AuthorityHelp string            `json:"authority_help"`
	CaseLink      string            `json:"case_link"` // appended when the alert carries a case link
	Regions       map[string]string `json:"regions"`
}

// LoadTexts parses the embedded authority texts and checks every key.
func LoadTexts() (*Texts, error) {
	raw, err := textFiles.ReadFile("texts/es.json")
	if err != nil {
		return nil, err
	}
	var t Texts
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("alert: texts/es.json: %w", err)
	}
	for name, s := range map[string]string{"alert": t.Alert, "contact": t.Contact, "minor": t.Minor, "no_place": t.NoPlace,
		"ack_confirm": t.AckConfirm, "ack_unknown": t.AckUnknown, "authority_help": t.AuthorityHelp} {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("alert: texts/es.json: %q is missing", name)
		}
	}
	for _, u := range []tip.Urgency{tip.Critical, tip.High} {
		if t.Urgency[string(u)] == "" {
			return nil, fmt.Errorf("alert: texts/es.json: urgency %q is missing", u)
		}
	}
	if !strings.Contains(t.Alert, "{text}") || !strings.Contains(t.Alert, "{ref}") {
		return nil, fmt.Errorf("alert: texts/es.json: the alert must carry {ref} and {text}")
	}
	return &t, nil
}

// MaxSegments bounds an alert: three SMS segments.
const MaxSegments = 3

// Compose writes the alert for tip t: reference, urgency, category, minor
// flag, place and region, the tip's text (cut to fit) and the campaign's
// contact, in at most MaxSegments GSM-7 segments. It never carries the
// reporter's number or name: the tip holds neither in clear.
func (x *Texts) Compose(t *tip.Tip, campaignContact string) string {
	return x.ComposeWithLink(t, campaignContact, "")
}

// ComposeWithLink is Compose with a link to the tip's case page at the
// end (when link is not empty); the tip's text is cut further so that the
// whole still fits in MaxSegments.
func (x *Texts) ComposeWithLink(t *tip.Tip, campaignContact, link string) string {
	urgency := x.Urgency[string(t.Urgency)]
	if urgency == "" {
		urgency = strings.ToUpper(string(t.Urgency))
	}
	category := x.Category[t.Category]
	if category == "" {
		category = x.Category[tip.CategoryUnknown]
	}
	minor := ""
	if t.Minor {
		minor = x.Minor
	}
	place := x.placeOf(t)
	contact := ""
	if campaignContact != "" {
		contact = strings.ReplaceAll(x.Contact, "{contact}", campaignContact)
	}
	frame := strings.NewReplacer("{urgency}", urgency, "{ref}", t.Ref, "{category}", category, "{minor}", minor,
		"{place}", place, "{contact}", contact).Replace(x.Alert)
	if link != "" && x.CaseLink != "" {
		frame += strings.ReplaceAll(x.CaseLink, "{link}", link)
	}
	frame = ToGSM(frame)
	text := ToGSM(strings.Join(strings.Fields(t.Text), " "))
	return fit(frame, text)
}

func (x *Texts) placeOf(t *tip.Tip) string {
	region := x.Regions[t.Region]
	if region == "" {
		region = t.Region
	}
	switch {
	case t.Place != "" && region != "" && !strings.EqualFold(t.Place, region):
		return t.Place + " (" + region + ")"
	case t.Place != "":
		return t.Place
	case region != "":
		return region
	}
	return x.NoPlace
}

// fit puts text into frame's {text}, cut with "..." so that the whole is
// at most MaxSegments segments.
func fit(frame, text string) string {
	whole := strings.Replace(frame, "{text}", text, 1)
	if n, _ := Segments(whole); n <= MaxSegments {
		return whole
	}
	r := []rune(text)
	lo, hi := 0, len(r)
	for lo < hi { // the longest prefix that fits
		mid := (lo + hi + 1) / 2
		cand := strings.Replace(frame, "{text}", strings.TrimSpace(string(r[:mid]))+"...", 1)
		if n, _ := Segments(cand); n <= MaxSegments {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.Replace(frame, "{text}", strings.TrimSpace(string(r[:lo]))+"...", 1)
}

// The GSM 03.38 alphabet: the basic set, and the extension characters that
// take two septets. https://www.twilio.com/docs/glossary/what-is-gsm-7-character-encoding
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "^{}\\[~]|€\f"
)

// Segments returns how many SMS segments s takes and whether it is GSM-7:
// 160 septets in one segment, 153 per segment beyond; in UCS-2, 70
// characters in one, 67 per segment beyond.
func Segments(s string) (int, bool) {
	septets, gsm := 0, true
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if !gsm {
		// UCS-2 counts UTF-16 code units.
		units := 0
		for _, r := range s {
			units += utf16Len(r)
		}
		return segments(units, 70, 67), false
	}
	return segments(septets, 160, 153), true
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func segments(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

// ToGSM rewrites s into the GSM-7 alphabet, so that an alert with accents
// is not sent as UCS-2 (less than half the room): accents that GSM-7 lacks
// are dropped (á → a), ñ ¿ ¡ ü are kept, typographic quotes and dashes
// become plain ones, and anything else (emoji) is left out.
func ToGSM(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			b.WriteByte(' ')
			continue
		case strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtension, r):
			b.WriteRune(r)
			continue
		}
		switch r {
		case '‘', '’', '´', '`':
			b.WriteByte('\'')
			continue
		case '“', '”', '«', '»':
			b.WriteByte('"')
			continue
		case '–', '—':
			b.WriteByte('-')
			continue
		case '…':
			b.WriteString("...")
			continue
		}
		if folded := tip.StripAccents(string(r)); utf8.RuneCountInString(folded) == 1 {
			if f, _ := utf8.DecodeRuneInString(folded); strings.ContainsRune(gsmBasic, f) {
				b.WriteRune(f)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
