package intake_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tipline/shared/intake"
	"tipline/shared/intake/masktest"
)

// fuzzSenders and the digits each may be written with (national and
// international forms).
var fuzzSenders = []struct {
	from  string
	forms []string
}{
	{masktest.Peru, []string{"987000012", "51987000012", "0051987000012"}},
	{masktest.US, []string{"4155550142", "14155550142", "0014155550142"}},
	{masktest.Venezuela, []string{"04129876501", "4129876501", "584129876501"}},
	{masktest.Argentina, []string{"1187654321", "01187654321", "1587654321", "5491187654321"}},
}

// fuzzSeparators are what people put between the digits of a number.
var fuzzSeparators = []string{"", " ", "-", ".", "/", "_", ",", "(", ")", "+", "\u00a0", "\u2009", "\n", "\r\n", "\t", "–", "—", "\u200b", " - ", "\ufeff"}

// fuzzDigits are the scripts a digit may come in: ASCII, fullwidth,
// Arabic-Indic, Extended Arabic-Indic, Devanagari.
var fuzzDigits = []rune{'0', '０', '٠', '۰', '०'}

// FuzzMaskSender puts a sender's number, written with random separators and
// digit scripts, inside random text: the number never survives masking,
// and masking twice changes nothing.
func FuzzMaskSender(f *testing.F) {
	f.Add("llámame al ", " porfa", []byte{1, 2, 3}, uint8(0), uint8(0))
	f.Add("", "", []byte{}, uint8(1), uint8(2))
	f.Add("el tratante 912345678 y yo ", "", []byte{10, 10, 13}, uint8(2), uint8(1))
	f.Add("mi celu", "gracias", []byte{4, 0, 17, 1, 2, 3, 4, 5, 6, 7, 8}, uint8(3), uint8(2))
	f.Add("5198", "0012", []byte{0}, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, prefix, suffix string, seps []byte, who, form uint8) {
		s := fuzzSenders[int(who)%len(fuzzSenders)]
		digits := s.forms[int(form)%len(s.forms)]
		var b strings.Builder
		for i, d := range digits {
			k := 0
			if i < len(seps) {
				k = int(seps[i])
			}
			if i > 0 {
				b.WriteString(fuzzSeparators[k%len(fuzzSeparators)])
			}
			b.WriteRune(fuzzDigits[(k/len(fuzzSeparators))%len(fuzzDigits)] + (d - '0'))
		}
		number := b.String()
		// A letter or a long gap ends a written number: the number stands
		// apart from the text, as it does when people write it.
		text := prefix + " x " + number + " x " + suffix
		got := intake.MaskSender(text, s.from)
		if strings.Contains(got, number) {
			t.Fatalf("MaskSender(%q, %s) = %q keeps the number %q", text, s.from, got, number)
		}
		if masktest.Leaks(strings.TrimSuffix(strings.TrimPrefix(got, prefix), suffix), s.from) && !masktest.Leaks(prefix+suffix, s.from) {
			t.Fatalf("MaskSender(%q, %s) = %q leaks the number", text, s.from, got)
		}
		if again := intake.MaskSender(got, s.from); again != got {
			t.Fatalf("masking %q twice gave %q, then %q", text, got, again)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("MaskSender(%q) = %q is not valid UTF-8", text, got)
		}
	})
}
