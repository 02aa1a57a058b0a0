package intake

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// mask_table.go is generated from phonenumbers' metadata by the test that
// keeps it fresh.
//go:generate go test -run ^TestThePhoneTableIsTheLibrarysMetadata$ -update .

// SenderMask replaces the sender's own number in a message.
const SenderMask = "[número del remitente]"

// minCandidate is the shortest digit string masked as the sender's number:
// shorter ones (ages, kilometres, prices) would match by chance.
const minCandidate = 7

// maxGap is how many non-digit, non-letter characters may stand between two
// digits of one written number: "987 / 000 / 014" has three.
const maxGap = 4

// MaskSender replaces in text every way of writing the E.164 number from by
// SenderMask. It reads the digits of text whatever separates them (spaces of
// any kind, newlines, dots, dashes, slashes, underscores, commas,
// parentheses, zero-width characters: anything but letters, up to maxGap in
// a row), after folding every Unicode decimal digit (fullwidth,
// Arabic-Indic…) to its value, and masks each occurrence of one of the
// sender's forms: international (+CC, 00CC, 011CC) and the national forms of
// the sender's country as libphonenumber knows them (trunk prefix, area
// code, Argentina's 9 and 15). Occurrences are masked even when another
// number follows with no separator between them. Other numbers, such as a
// trafficker's, are kept: they are what police need.
func MaskSender(text, from string) string {
	cands := senderForms(from)
	if len(cands) == 0 || text == "" {
		return text
	}
	spans := senderSpans(text, cands)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s[0]])
		b.WriteString(SenderMask)
		last = s[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// senderForms returns the digit strings that write from, longest first:
// the forms libphonenumber gives the number (see mask_numbers.go for how
// they are computed without linking it).
func senderForms(from string) []string {
	full := foldDigits(strings.TrimPrefix(strings.TrimPrefix(from, "whatsapp:"), "+"))
	if len(full) < minCandidate {
		return nil
	}
	set := map[string]bool{full: true, "00" + full: true, "011" + full: true}
	if cc, nsn, ok := parseE164(full); ok {
		nat := cc.nationalDigits(nsn)
		set[nsn] = true
		// With the trunk prefix, and dialled from a mobile (E.164 without
		// the plus). The library leaves out the first for a number that no
		// region of a shared calling code recognises, and gives the second
		// for some types of number only; it is full itself unless Parse
		// stripped a prefix written after the calling code. Both write the
		// sender's number, so they are always masked (mask_equiv_test.go).
		set[cc.trunk+nsn] = true
		set[cc.code+nsn] = true
		for _, d := range nat {
			set[d] = true
		}
		if cc.code != peruCode { // from Peru: the national format (in nat), else Peru's international prefix
			set[peruInternationalPrefix+cc.code+nsn] = true
		}
		if cc.code == nanpaCode { // from the US: 1 and the national format
			for _, d := range nat {
				set[nanpaCode+d] = true
			}
		} else {
			set[usInternationalPrefix+cc.code+nsn] = true
		}
		if cc.code == argentina.code && strings.HasPrefix(nsn, argentina.mobileToken) {
			// Argentine mobiles: +54 9 11 2345-6789 is dialled 011 15-2345-6789
			// at home and written 11 2345-6789 or 15 2345-6789.
			// code is what precedes the national number in full: the calling
			// code when from is written as E.164 (all of full when Parse
			// stripped a trunk prefix, as the library-based version had it).
			rest, ndd, code := nsn[len(argentina.mobileToken):], cc.trunk, strings.TrimSuffix(full, nsn)
			set[rest], set[ndd+rest], set[code+rest], set["00"+code+rest] = true, true, true, true
			if ac := argentineAreaCodeLength(nsn); ac > 1 && ac < len(nsn) {
				area, sub := nsn[1:ac], nsn[ac:]
				set[area+"15"+sub], set[ndd+area+"15"+sub], set["15"+sub] = true, true, true
			}
		}
	} else if rest, ok := strings.CutPrefix(full, peruCode); ok {
		set[rest] = true // Peru: nine-digit mobiles
	}
	out := make([]string, 0, len(set))
	for c := range set {
		if len(c) >= minCandidate {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// digitAt is one digit of text: its value and where its rune lies.
type digitAt struct {
	d          byte
	start, end int
}

// senderSpans returns the byte ranges of text that write one of cands
// in order and disjoint.
func senderSpans(text string, cands []string) [][2]int {
	var spans [][2]int
	var seg []digitAt
	flush := func() {
		spans = append(spans, matchSegment(text, seg, cands)...)
		seg = seg[:0]
	}
	gap := 0
	for i, r := range text {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
		}
		switch d, ok := digitValue(r); {
		case ok:
			seg = append(seg, digitAt{d: d, start: i, end: i + size})
			gap = 0
		case unicode.IsLetter(r):
			flush()
			gap = 0
		default:
			if gap++; gap > maxGap {
				flush()
			}
		}
	}
	flush()
	return spans
}

// matchSegment finds every occurrence of cands in one run of digits, even
// overlapping ones (a number written twice sharing digits, a candidate
// starting in digits that precede the number), and returns the byte ranges
// of text they cover, overlapping occurrences merged.
func matchSegment(text string, seg []digitAt, cands []string) [][2]int {
	if len(seg) < minCandidate {
		return nil
	}
	digits := make([]byte, len(seg))
	for i, d := range seg {
		digits[i] = d.d
	}
	s := string(digits)
	var spans [][2]int
	from, to := -1, -1 // the digit range being built
	emit := func() {
		if from >= 0 {
			spans = append(spans, widen(text, seg[from].start, seg[to-1].end))
		}
	}
	for i := 0; i+minCandidate <= len(s); i++ {
		n := 0
		for _, c := range cands {
			if strings.HasPrefix(s[i:], c) {
				n = len(c) // cands are longest first
				break
			}
		}
		switch {
		case n == 0:
		case from >= 0 && i < to:
			to = max(to, i+n)
		default:
			emit()
			from, to = i, i+n
		}
	}
	emit()
	return spans
}

// widen takes into the span text[start:end] a "+" or "(" written right
// before it, and the ")" closing a "(" it holds.
func widen(text string, start, end int) [2]int {
	for start > 0 && strings.ContainsRune("+(＋（", lastRune(text[:start])) {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	open := strings.Count(text[start:end], "(") + strings.Count(text[start:end], "（") -
		strings.Count(text[start:end], ")") - strings.Count(text[start:end], "）")
	for ; open > 0 && end < len(text) && strings.ContainsRune(")）", firstRune(text[end:])); open-- {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	return [2]int{start, end}
}

func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }
func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

// digitValue folds a Unicode decimal digit (category Nd: ASCII, fullwidth,
// Arabic-Indic, Devanagari…) to its ASCII digit. Every Nd range in the
// Unicode tables is a run of whole blocks of ten starting at a zero.
func digitValue(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r), true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte('0' + (r-rune(rg.Lo))%10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte('0' + (r-rune(rg.Lo))%10), true
		}
	}
	return 0, false
}

// foldDigits keeps the digits of s, folded to ASCII.
func foldDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if d, ok := digitValue(r); ok {
			b.WriteByte(d)
		}
	}
	return b.String()
}
