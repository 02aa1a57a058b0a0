package staff_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"tipline/shared/staff"
)

func TestPatchRecordsCorrectedTriageFields(t *testing.T) {
	hs := newHarness(t)
	sup := hs.token("sup", staff.RoleSupervisor)
	tp := hs.seed(tipSpec{region: "PE-LIM"})
	r := hs.do("PATCH", "/api/tips/"+tp.ID, sup, map[string]any{"region": "PE-MDD", "place": "Mazuco", "assignee": "ana"},
		"If-Match", strconv.Itoa(tp.Version))
	if r.status != 200 {
		t.Fatalf("PATCH = %d %s", r.status, r.body)
	}
	got, err := hs.store.Tip(context.Background(), tp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"region", "place"} {
		if !slices.Contains(got.Corrected, f) {
			t.Errorf("corrected = %v, want %s among them", got.Corrected, f)
		}
	}
	if slices.Contains(got.Corrected, "assignee") || slices.Contains(got.Corrected, "urgency") {
		t.Errorf("corrected = %v lists fields that are not triage fields or did not change", got.Corrected)
	}
}
