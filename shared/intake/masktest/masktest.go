// Package masktest holds the ways reporters write their own number, for the
// tests that check it never reaches staff, authorities, exports or the
// outbox: intake's unit table and the end-to-end tests through the webhook.
package masktest

import (
	"strings"
	"unicode"
)

// Where says which text of the message carries the number.
type Where string

// Texts of an inbound message.
const (
	Body    Where = "body"
	Label   Where = "location label"   // a WhatsApp shared location's name
	Address Where = "location address" // and its address
)

// Format is one way a sender writes their own number.
type Format struct {
	Name  string
	From  string // the sender, E.164
	Text  string // the number as written, inside a sentence
	Where Where
	// Keep is a part of Text that must survive masking (another number).
	Keep string
}

// Senders' numbers, and the digits of each that must never survive
// (the subscriber part, so that a leak through any form is caught). None
// of them is part of the trafficker's number, which must survive.
const (
	Peru       = "+51987000012"
	PeruFixed  = "+5114567890" // a Lima landline
	US         = "+14155550142"
	Venezuela  = "+584129876501"
	Argentina  = "+5491187654321"
	Trafficker = "912345678"
)

var secrets = map[string]string{Peru: "987000012", PeruFixed: "4567890", US: "5550142", Venezuela: "9876501", Argentina: "87654321"}

// Formats lists the sender formats; every one must be masked.
func Formats() []Format {
	pe := func(name, number string) Format {
		return Format{Name: name, From: Peru, Text: "hay menores encerradas, llámame al " + number + " porfa", Where: Body}
	}
	f := []Format{
		pe("plain digits", "987000012"),
		pe("spaced", "987 000 012"),
		pe("dashed", "987-000-012"),
		pe("dotted", "987.000.012"),
		pe("area in parentheses", "(987) 000-012"),
		pe("slashes", "987/000/012"),
		pe("underscores", "987_000_012"),
		pe("commas", "987,000,012"),
		pe("non-breaking spaces", "987\u00a0000\u00a0012"),
		pe("thin spaces", "987\u2009000\u2009012"),
		pe("newlines", "987\n000\n012"),
		pe("CRLF and indentation", "987\r\n  000\r\n  012"),
		pe("tabs", "987\t000\t012"),
		pe("en-dashes", "987–000–012"),
		pe("em-dashes", "987—000—012"),
		pe("spaced dashes", "987 - 000 - 012"),
		pe("zero-width spaces", "987\u200b000\u200b012"),
		pe("digit by digit", "9 8 7 0 0 0 0 1 2"),
		pe("in pairs", "98 70 00 012"),
		pe("with +51", "+51987000012"),
		pe("with +51 spaced", "+51 987 000 012"),
		pe("with 51 and no plus", "51987000012"),
		pe("with 0051", "0051987000012"),
		pe("with 00 51 spaced", "00 51 987 000 012"),
		pe("with +51 and parentheses", "+51 (987) 000-012"),
		pe("with a fullwidth plus", "＋５１ ９８７ ０００ ０１２"),
		pe("fullwidth digits", "９８７００００１２"),
		pe("Arabic-Indic digits", "٩٨٧٠٠٠٠١٢"),
		pe("Extended Arabic-Indic digits", "۹۸۷۰۰۰۰۱۲"),
		pe("mixed scripts", "987 ０００ ٠١٢"),
		pe("glued to punctuation", "cel:987000012."),
		pe("glued to letters", "al987000012porfa"),
		pe("written twice", "987000012 987000012"),
		pe("written twice with no space", "987000012987000012"),
		{Name: "followed by another number", From: Peru, Text: "llámame al 987000012 912345678 es del tratante", Where: Body, Keep: "912345678"},
		{Name: "glued to another number", From: Peru, Text: "mi cel y el de él: 987000012912345678", Where: Body, Keep: "912345678"},
		{Name: "after another number", From: Peru, Text: "el tratante 912345678, yo 987 000 012", Where: Body, Keep: "912345678"},
		{Name: "in a WhatsApp location label", From: Peru, Text: "Casa 987 000 012", Where: Label},
		{Name: "in a WhatsApp location address", From: Peru, Text: "Jr. Lima 123, ref. 987-000-012", Where: Address, Keep: "123"},
		{Name: "a Lima landline with its trunk prefix", From: PeruFixed, Text: "llamen al (01) 456-7890", Where: Body},
		{Name: "a Lima landline in international form", From: PeruFixed, Text: "llamen al +51 1 4567890", Where: Body},
		{Name: "a US sender in national form", From: US, Text: "call me at (415) 555-0142", Where: Body},
		{Name: "a US sender dashed", From: US, Text: "call me 415-555-0142", Where: Body},
		{Name: "a US sender with 1", From: US, Text: "call me 1 415 555 0142", Where: Body},
		{Name: "a US sender with +1", From: US, Text: "call me +1 (415) 555-0142", Where: Body},
		{Name: "a US sender dialled from Peru", From: US, Text: "llamar 00 1 415 555 0142", Where: Body},
		{Name: "a Venezuelan sender in national form", From: Venezuela, Text: "mi número es 0412-9876501", Where: Body},
		{Name: "a Venezuelan sender in groups", From: Venezuela, Text: "mi número es 0412 987 65 01", Where: Body},
		{Name: "a Venezuelan sender without the trunk prefix", From: Venezuela, Text: "mi número es 412 9876501", Where: Body},
		{Name: "a Venezuelan sender with +58", From: Venezuela, Text: "mi número es +58 412-9876501", Where: Body},
		{Name: "an Argentine sender with the area code", From: Argentina, Text: "mi celu 11 8765-4321", Where: Body},
		{Name: "an Argentine sender with 011", From: Argentina, Text: "mi celu 011 8765-4321", Where: Body},
		{Name: "an Argentine sender with 15", From: Argentina, Text: "mi celu 15 8765-4321", Where: Body},
		{Name: "an Argentine sender dialled at home", From: Argentina, Text: "mi celu 011 15-8765-4321", Where: Body},
		{Name: "an Argentine sender in international form", From: Argentina, Text: "mi celu +54 9 11 8765-4321", Where: Body},
		{Name: "an Argentine sender without the 9", From: Argentina, Text: "mi celu +54 11 8765-4321", Where: Body},
	}
	return f
}

// Leaks reports whether text still holds the sender's number from: the
// digits of text, folded and with everything else removed, contain the
// subscriber part of from.
func Leaks(text, from string) bool {
	var b strings.Builder
	for _, r := range text {
		if unicode.Is(unicode.Nd, r) {
			b.WriteRune('0' + digit(r))
		}
	}
	return strings.Contains(b.String(), secrets[from])
}

func digit(r rune) rune {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) % 10
		}
	}
	return 0
}
