package intake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tipline/shared/intake"
	"tipline/shared/intake/masktest"
	"tipline/shared/tip"
)

func TestMaskSender(t *testing.T) {
	formats := masktest.Formats()
	if len(formats) < 36 {
		t.Fatalf("%d formats, want at least 36", len(formats))
	}
	for _, f := range formats {
		t.Run("masks the sender's number "+f.Name, func(t *testing.T) {
			got := intake.MaskSender(f.Text, f.From)
			if masktest.Leaks(got, f.From) || !strings.Contains(got, intake.SenderMask) {
				t.Errorf("MaskSender(%q, %s) = %q, want the number masked", f.Text, f.From, got)
			}
			if f.Keep != "" && !strings.Contains(got, f.Keep) {
				t.Errorf("MaskSender(%q) = %q, want %q kept", f.Text, got, f.Keep)
			}
			if again := intake.MaskSender(got, f.From); again != got {
				t.Errorf("masking twice gave %q, then %q", got, again)
			}
		})
	}
	const from = "+51987654321"
	tests := []struct{ name, in, want string }{
		{"the national number", "llámame al 987654321 porfa", "llámame al " + intake.SenderMask + " porfa"},
		{"spaced and dashed", "mi cel 987 654 321 o 987-654-321", "mi cel " + intake.SenderMask + " o " + intake.SenderMask},
		{"with the country code", "+51 987 654 321", intake.SenderMask},
		{"parentheses go with the number", "(987) 654-321", intake.SenderMask},
		{"another number is kept: police need it", "el tratante usa el 912345678", "el tratante usa el 912345678"},
		{"a number one digit off is kept", "el tratante usa el 987654322", "el tratante usa el 987654322"},
		{"part of the number is kept", "km 987 y 654", "km 987 y 654"},
		{"ages, kilometres and money are kept", "tiene 15 años, km 108, le deben 2000 soles", "tiene 15 años, km 108, le deben 2000 soles"},
		{"invalid UTF-8 around the number stays as it was", "\xff987654321\xfe", "\xff" + intake.SenderMask + "\xfe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := intake.MaskSender(tc.in, from); got != tc.want {
				t.Errorf("MaskSender(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestOwnNumberNeverStoredInText(t *testing.T) {
	h := newHarness(t, false)
	from := "+51987650080"
	h.post(form("SM00000000000000000000000000000080", from, "en el bar de mazuco hay menores, llamame al 987 650 080 si necesitan"), nil)
	tp := h.tipOf(from)
	msgs, _ := h.store.Messages(context.Background(), tp.ID)
	for _, s := range []string{tp.Text, msgs[0].Body} {
		if strings.Contains(strings.ReplaceAll(s, " ", ""), "987650080") {
			t.Errorf("stored text %q carries the sender's number", s)
		}
	}
}

func TestStaffCorrectionsSurviveFollowUps(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	from := "+51987650090"
	h.post(form("SM00000000000000000000000000000090", from, "en un bar de lima tienen chicas menores trabajando"), nil)
	tp := h.tipOf(from)
	// A supervisor corrects the place and lowers urgency with a note.
	tp.Region, tp.Place, tp.Urgency = "PE-MDD", "Mazuco", tip.Medium
	tp.Corrected = []string{"region", "place", "urgency"}
	if err := h.store.SaveTip(ctx, tp); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(time.Minute)
	h.post(form("SM00000000000000000000000000000091", from, "gracias, es en un local de lima"), nil)
	got := h.tipOf(from)
	if got.Region != "PE-MDD" || got.Place != "Mazuco" || got.Urgency != tip.Medium || got.MessageCount != 2 {
		t.Errorf("after a follow-up: region %s, place %s, urgency %s, messages %d; want the staff's PE-MDD, Mazuco, medium",
			got.Region, got.Place, got.Urgency, got.MessageCount)
	}
	h.clock.advance(time.Minute)
	h.post(form("SM00000000000000000000000000000092", from, "ahorita la estan golpeando y la tienen encerrada, ayuda"), nil)
	if got := h.tipOf(from); got.Urgency != tip.Critical || got.Region != "PE-MDD" {
		t.Errorf("danger now after a correction: urgency %s, region %s; want critical in the staff's region", got.Urgency, got.Region)
	}
}
