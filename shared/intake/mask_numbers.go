package intake

import (
	"regexp"
	"sort"
	"sync"
)

// The facts below come from libphonenumber's metadata
// (github.com/nyaruka/phonenumbers), compiled into mask_table.go by
// `go generate ./shared/intake`. The functions in this file repeat, on that
// table, the steps of the library that senderForms relies on (Parse of an
// E.164 number, national formatting, Argentina's area code), in the
// library's own order and with its own regular expressions, so that the
// package does not link the library: its init decodes every region's
// metadata, about 9 ms of every function's cold start.
// mask_equiv_test.go checks the result against the library itself.

// callingCode is what senderForms needs to know about one country calling
// code (every region that shares it).
type callingCode struct {
	code  string // "54"
	trunk string // the national (trunk) prefix its regions dial, digits only; "" for none

	// How Parse strips a trunk prefix written after the calling code: the
	// main region's national_prefix_for_parsing and transform rule, its
	// general number pattern and possible lengths. Empty when the region
	// has no prefix for parsing.
	prefix, transform, general string
	lengths, localLengths      []int32

	national national       // which digits the national format writes
	formats  []numberFormat // the main region's national formats, when national is natFormats
}

// national says which digits libphonenumber's NATIONAL format of a number
// with this calling code writes.
type national uint8

const (
	natNSN     national = iota // always the national significant number
	natTrunk                   // the national number, with or without the trunk prefix
	natFormats                 // something else: run formats to know
)

// numberFormat is one of libphonenumber's formatting rules.
type numberFormat struct {
	leading string // the last leading-digits pattern, "" for none
	pattern string
	format  string
	npRule  string // national prefix formatting rule, "" for none
}

// numberDesc is one of libphonenumber's number descriptions.
type numberDesc struct {
	pattern string
	lengths []int32
}

// numberTypes holds the descriptions GetNumberType reads, in its order.
type numberTypes struct {
	general, premium, tollFree, sharedCost, voip, personal, pager, uan, voicemail, fixed, mobile numberDesc
	sameMobileAndFixed                                                                           bool
}

// Number types, as far as senderForms tells them apart.
type numberType uint8

const (
	typeUnknown numberType = iota
	typeOther              // premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail
	typeFixed
	typeMobile
	typeFixedOrMobile
)

// regexps caches compiled patterns of the table, as the library's regexFor
// does: each is compiled the first time a sender needs it.
var regexps sync.Map

func regexpFor(pattern string) *regexp.Regexp {
	if r, ok := regexps.Load(pattern); ok {
		return r.(*regexp.Regexp)
	}
	r := regexp.MustCompile(pattern)
	regexps.Store(pattern, r)
	return r
}

// lookupCode returns the calling code written as code.
func lookupCode(code string) (*callingCode, bool) {
	i := sort.Search(len(callingCodes), func(i int) bool { return callingCodes[i].code >= code })
	if i < len(callingCodes) && callingCodes[i].code == code {
		return &callingCodes[i], true
	}
	return nil, false
}

// parseE164 does what libphonenumber's Parse("+"+full, "") does with a
// string of ASCII digits: it finds the calling code and the national
// significant number, stripping a trunk prefix written after the code when
// the library would. ok is false where Parse returns an error.
func parseE164(full string) (cc *callingCode, nsn string, ok bool) {
	if len(full)+1 > maxInputLength || len(full) <= minNSN || full[0] == '0' {
		return nil, "", false
	}
	for i := 1; i <= maxCodeLength && i <= len(full); i++ {
		if c, found := lookupCode(full[:i]); found {
			cc, nsn = c, full[i:]
			break
		}
	}
	if cc == nil || len(nsn) < minNSN {
		return nil, "", false
	}
	if stripped, ok := cc.stripTrunk(nsn); ok && cc.keepsStripped(len(stripped)) {
		nsn = stripped
	}
	if len(nsn) < minNSN || len(nsn) > maxNSN {
		return nil, "", false
	}
	return cc, nsn, true
}

// stripTrunk is the library's maybeStripNationalPrefixAndCarrierCode.
func (cc *callingCode) stripTrunk(number string) (string, bool) {
	if number == "" || cc.prefix == "" {
		return "", false
	}
	prefix := regexpFor("^(?:" + cc.prefix + ")")
	if !prefix.MatchString(number) {
		return "", false
	}
	general := regexpFor("^(?:" + cc.general + ")$")
	viable := general.MatchString(number)
	groups := prefix.FindStringSubmatchIndex(number)
	n := len(groups)/2 - 1
	if cc.transform == "" || groups[n*2] < 0 {
		if viable && !general.MatchString(number[groups[1]:]) {
			return "", false
		}
		return number[groups[1]:], true
	}
	transformed := prefix.ReplaceAllString(number, cc.transform)
	if viable && !general.MatchString(transformed) {
		return "", false
	}
	return transformed, true
}

// keepsStripped reports whether Parse keeps a number of n digits left after
// stripping: testNumberLength on the general description says neither too
// short, nor local only, nor an invalid length.
func (cc *callingCode) keepsStripped(n int) bool {
	lengths, l := cc.lengths, int32(n)
	if len(lengths) == 0 || lengths[0] == -1 {
		return false
	}
	for _, local := range cc.localLengths {
		if local == l {
			return false
		}
	}
	switch {
	case lengths[0] == l:
		return true
	case lengths[0] > l:
		return false
	case lengths[len(lengths)-1] < l:
		return true // too long is kept
	}
	for _, p := range lengths[1:] {
		if p == l {
			return true
		}
	}
	return false
}

// nationalDigits returns the digits libphonenumber's NATIONAL format of nsn
// may write: exactly one string when the table knows it, or both the number
// with and without its trunk prefix when every format writes one of them.
func (cc *callingCode) nationalDigits(nsn string) []string {
	switch cc.national {
	case natNSN:
		return []string{nsn}
	case natTrunk:
		return []string{nsn, cc.trunk + nsn}
	}
	return []string{foldDigits(formatNSN(nsn, cc.formats, true))}
}

// firstGroup is the library's FIRST_GROUP_PATTERN.
const firstGroup = `(\$\d)`

// formatNSN is the library's formatNsn with no carrier code: the first
// format whose leading digits and pattern fit nsn, applied to it.
func formatNSN(nsn string, formats []numberFormat, nationalFormat bool) string {
	for _, f := range formats {
		if f.leading != "" {
			if loc := regexpFor(f.leading).FindStringIndex(nsn); loc == nil || loc[0] != 0 {
				continue
			}
		}
		if !regexpFor("^(?:" + f.pattern + ")$").MatchString(nsn) {
			continue
		}
		rule := f.format
		if nationalFormat && f.npRule != "" {
			done := false
			rule = regexpFor(firstGroup).ReplaceAllStringFunc(rule, func(s string) string {
				if done {
					return s
				}
				done = true
				return f.npRule
			})
		}
		return regexpFor(f.pattern).ReplaceAllString(nsn, rule)
	}
	return nsn
}

// matches is the library's isNumberMatchingDesc.
func (d numberDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			found = found || l == int32(len(nsn))
		}
		if !found {
			return false
		}
	}
	return regexpFor("^(?:" + d.pattern + ")$").MatchString(nsn)
}

// typeOf is the library's getNumberTypeHelper.
func (t *numberTypes) typeOf(nsn string) numberType {
	if !t.general.matches(nsn) {
		return typeUnknown
	}
	for _, d := range []numberDesc{t.premium, t.tollFree, t.sharedCost, t.voip, t.personal, t.pager, t.uan, t.voicemail} {
		if d.matches(nsn) {
			return typeOther
		}
	}
	if t.fixed.matches(nsn) {
		if t.sameMobileAndFixed || t.mobile.matches(nsn) {
			return typeFixedOrMobile
		}
		return typeFixed
	}
	if !t.sameMobileAndFixed && t.mobile.matches(nsn) {
		return typeMobile
	}
	return typeUnknown
}

// argentineAreaCodeLength is the library's GetLengthOfGeographicalAreaCode
// for an Argentine number: Argentina has a trunk prefix, and its mobiles
// are geographical, their area code (after the mobile token 9) the third
// group of the international format.
func argentineAreaCodeLength(nsn string) int {
	if argentina.trunk == "" {
		return 0
	}
	t := argentina.types.typeOf(nsn)
	if t != typeFixed && t != typeFixedOrMobile && t != typeMobile {
		return 0
	}
	intl := "+" + argentina.code + " " + formatNSN(nsn, argentina.intl, false)
	groups := regexpFor(`(\D+)`).Split(intl, -1)
	if len(groups) <= 3 {
		return 0
	}
	if t == typeMobile && argentina.mobileToken != "" {
		return len(groups[2]) + len(groups[3])
	}
	return len(groups[2])
}

// argentineFacts holds what argentineAreaCodeLength reads.
type argentineFacts struct {
	code, trunk, mobileToken string
	types                    numberTypes
	intl                     []numberFormat
}
