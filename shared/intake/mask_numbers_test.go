package intake

import (
	"regexp"
	"testing"
)

// TestEveryPatternOfThePhoneTableCompiles compiles every pattern of the
// generated table as mask_numbers.go uses it, so that none can panic in
// regexpFor the first time a sender needs it.
func TestEveryPatternOfThePhoneTableCompiles(t *testing.T) {
	var patterns []string
	addFormats := func(fs []numberFormat) {
		for _, f := range fs {
			patterns = append(patterns, f.leading, "^(?:"+f.pattern+")$", f.pattern)
		}
	}
	for _, cc := range callingCodes {
		if cc.prefix != "" {
			patterns = append(patterns, "^(?:"+cc.prefix+")", "^(?:"+cc.general+")$")
		}
		addFormats(cc.formats)
	}
	ty := argentina.types
	for _, d := range []numberDesc{ty.general, ty.premium, ty.tollFree, ty.sharedCost, ty.voip, ty.personal, ty.pager, ty.uan, ty.voicemail, ty.fixed, ty.mobile} {
		patterns = append(patterns, "^(?:"+d.pattern+")$")
	}
	addFormats(argentina.intl)
	for _, p := range patterns {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("pattern %q of the phone table: %v", p, err)
		}
	}
	if len(patterns) < 300 {
		t.Errorf("%d patterns, want the whole table", len(patterns))
	}
}
