package intake_test

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"tipline/shared/intake"
	"tipline/shared/intake/masktest"
)

// librarySenderForms is senderForms as it was written on the library
// itself, before the table: the reference the table must equal.
func librarySenderForms(from string) []string {
	full := intake.FoldDigits(strings.TrimPrefix(strings.TrimPrefix(from, "whatsapp:"), "+"))
	if len(full) < intake.MinCandidate {
		return nil
	}
	fold := intake.FoldDigits
	set := map[string]bool{full: true, "00" + full: true, "011" + full: true}
	n, err := phonenumbers.Parse("+"+full, "")
	if err == nil {
		region := phonenumbers.GetRegionCodeForNumber(n)
		nsn := phonenumbers.GetNationalSignificantNumber(n)
		cc := strings.TrimSuffix(full, nsn)
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		set[nsn] = true
		set[ndd+nsn] = true
		set[fold(phonenumbers.Format(n, phonenumbers.NATIONAL))] = true
		set[fold(phonenumbers.FormatNumberForMobileDialing(n, region, false))] = true
		set[fold(phonenumbers.FormatOutOfCountryCallingNumber(n, "PE"))] = true
		set[fold(phonenumbers.FormatOutOfCountryCallingNumber(n, "US"))] = true
		if region == "AR" && strings.HasPrefix(nsn, "9") {
			rest := nsn[1:]
			set[rest], set[ndd+rest], set[cc+rest], set["00"+cc+rest] = true, true, true, true
			if ac := phonenumbers.GetLengthOfGeographicalAreaCode(n); ac > 1 && ac < len(nsn) {
				area, sub := nsn[1:ac], nsn[ac:]
				set[area+"15"+sub], set[ndd+area+"15"+sub], set["15"+sub] = true, true, true
			}
		}
	} else if rest, ok := strings.CutPrefix(full, "51"); ok {
		set[rest] = true
	}
	var out []string
	for c := range set {
		if len(c) >= intake.MinCandidate {
			out = append(out, c)
		}
	}
	return out
}

// phoneTypes are the number types with example numbers.
var phoneTypes = []phonenumbers.PhoneNumberType{
	phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
	phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL,
}

// exampleSenders returns the E.164 example number of every type of every
// region and non-geographical code the library supports.
func exampleSenders() []string {
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	var out []string
	for _, r := range regions {
		for _, typ := range phoneTypes {
			if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil {
				out = append(out, phonenumbers.Format(n, phonenumbers.E164))
			}
		}
	}
	var nonGeo []int
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		nonGeo = append(nonGeo, cc)
	}
	sort.Ints(nonGeo)
	for _, cc := range nonGeo {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(cc); n != nil {
			out = append(out, phonenumbers.Format(n, phonenumbers.E164))
		}
	}
	return slices.Compact(out)
}

// derivedSenders writes numbers near an example: a digit changed, one
// more, one fewer, and a trunk prefix or a 0, 1, 8, 9 or 15 written after
// the calling code (the non-canonical forms Parse strips).
func derivedSenders(example string) []string {
	n, err := phonenumbers.Parse(example, "")
	if err != nil {
		return nil
	}
	cc := strconv.Itoa(int(n.GetCountryCode()))
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	bump := func(s string, i int) string { return s[:i] + string('0'+(s[i]-'0'+1)%10) + s[i+1:] }
	out := []string{
		"+" + cc + bump(nsn, len(nsn)-1),
		"+" + cc + bump(nsn, 0),
		"+" + cc + nsn + "7",
		"+" + cc + nsn[:len(nsn)-1],
	}
	region := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode()))
	for _, p := range []string{phonenumbers.GetNddPrefixForRegion(region, true), "0", "1", "8", "9", "15"} {
		if p != "" {
			out = append(out, "+"+cc+p+nsn)
		}
	}
	if len(nsn) > 3 { // Argentina's 15 after the area code, for any code
		out = append(out, "+"+cc+nsn[:2]+"15"+nsn[2:], "+"+cc+"0"+nsn[:3]+"15"+nsn[3:])
	}
	return out
}

// randomSenders writes, for every calling code, numbers of random digits
// and lengths (a fixed seed: the same numbers every run).
func randomSenders(perCode int) []string {
	rng := rand.New(rand.NewPCG(10, 15))
	var codes []int
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	sort.Ints(codes)
	var out []string
	for _, cc := range codes {
		for range perCode {
			var b strings.Builder
			b.WriteString("+" + strconv.Itoa(cc))
			for range 4 + rng.IntN(15) {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
			out = append(out, b.String())
		}
	}
	return out
}

// oddSenders are what else a From may hold.
var oddSenders = []string{
	masktest.Peru, masktest.PeruFixed, masktest.US, masktest.Venezuela, masktest.Argentina,
	"whatsapp:+51987000012", "whatsapp:+5491187654321", "51987000012", "+５１９８７００００１２",
	"+0051987000012", "+999123456789", "+1", "", "12345", "+51" + strings.Repeat("9", 18),
	"+54" + strings.Repeat("1", 30), "+1" + strings.Repeat("2", 248), "+1" + strings.Repeat("2", 249),
	"+5401115123456", "+540111512345678", "+5491115123456", "+4402071234567", "+78123456789", "+88123456789",
}

// TestSenderFormsAreTheLibrarys compares senderForms, computed from the
// generated table, with the same forms computed by the library, on every
// example number of every region and type, numbers derived from them, and
// random numbers of every calling code. They must be equal (the example
// numbers always), with two documented exceptions where the table masks
// one form more (never less):
//   - a number written with something after the calling code that Parse
//     strips as a trunk prefix (+44 0…, +54 0 11 15…; no carrier sends
//     these): the table adds the calling code and the stripped national
//     number, which the library gives only as the mobile-dialling form of
//     some types of number;
//   - a number no region of a shared calling code recognises (+44, +7,
//     +61…): the library knows no region for it and so no trunk prefix,
//     the table adds the trunk prefix and the national number.
//
// Telling those apart exactly would need every number pattern of every
// region sharing a code, which the masking has no use for.
func TestSenderFormsAreTheLibrarys(t *testing.T) {
	examples := exampleSenders()
	senders := append([]string{}, examples...)
	for _, e := range examples {
		senders = append(senders, derivedSenders(e)...)
	}
	senders = append(senders, randomSenders(10)...)
	senders = append(senders, oddSenders...)
	var exact, stripped, unknownRegion int
	for i, from := range senders {
		want, got := librarySenderForms(from), intake.SenderForms(from)
		missing, extra := difference(want, got), difference(got, want)
		if len(missing) > 0 {
			t.Errorf("senderForms(%q) lacks %v that the library gives (library %v, table %v)", from, missing, want, got)
			continue
		}
		if len(extra) == 0 {
			exact++
			continue
		}
		why, ok := explainExtra(from, extra)
		if i < len(examples) {
			t.Errorf("senderForms(%q) of an example number adds %v (%s): example numbers are valid, in E.164, and must be exact", from, extra, why)
		} else if !ok {
			t.Errorf("senderForms(%q) adds %v that the library does not give (library %v, table %v)", from, extra, want, got)
		}
		switch why {
		case "stripped":
			stripped++
		case "unknown region":
			unknownRegion++
		}
	}
	if len(examples) < 1000 {
		t.Errorf("%d example numbers, want every type of every region (over 1,000)", len(examples))
	}
	t.Logf("%d senders (%d example numbers): %d forms equal to the library's, %d with a stripped prefix and %d of no known region masked one form more",
		len(senders), len(examples), exact, stripped, unknownRegion)
}

// explainExtra reports which documented exception the forms extra, that
// the table gives for from and the library does not, fall under.
func explainExtra(from string, extra []string) (string, bool) {
	full := intake.FoldDigits(strings.TrimPrefix(strings.TrimPrefix(from, "whatsapp:"), "+"))
	n, err := phonenumbers.Parse("+"+full, "")
	if err != nil {
		return "", false
	}
	code := int(n.GetCountryCode())
	cc, nsn := strconv.Itoa(code), phonenumbers.GetNationalSignificantNumber(n)
	main := phonenumbers.GetRegionCodeForCountryCode(code)
	allowed := map[string]string{}
	if full != cc+nsn {
		allowed[cc+nsn] = "stripped"
	}
	if len(phonenumbers.GetRegionCodesForCountryCode(code)) > 1 && phonenumbers.GetRegionCodeForNumber(n) == "" {
		allowed[phonenumbers.GetNddPrefixForRegion(main, true)+nsn] = "unknown region"
	}
	why := ""
	for _, e := range extra {
		w, ok := allowed[e]
		if !ok {
			return "", false
		}
		why = w
	}
	return why, true
}

// difference returns the strings of a that are not in b.
func difference(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// BenchmarkSenderForms measures the forms of one sender, from the table
// and from the library (after the first call of each, whose patterns are
// compiled then).
func BenchmarkSenderForms(b *testing.B) {
	senders := []string{masktest.Peru, masktest.PeruFixed, masktest.US, masktest.Venezuela, masktest.Argentina}
	for _, bc := range []struct {
		name  string
		forms func(string) []string
	}{{"table", intake.SenderForms}, {"library", librarySenderForms}} {
		b.Run(bc.name, func(b *testing.B) {
			for _, s := range senders {
				bc.forms(s)
			}
			b.ResetTimer()
			for i := range b.N {
				bc.forms(senders[i%len(senders)])
			}
		})
	}
}
