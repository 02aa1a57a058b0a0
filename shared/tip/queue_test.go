package tip

import (
	"sort"
	"testing"
)

// TestQueuePrefixPutsReviewFirstWithinItsUrgency checks the staff queue
// order a store builds from QueuePrefix and the creation time: most urgent
// first, then the tips to review, then the oldest, and that the urgency
// filter prefix "<rank>#" still matches a tip to review.
func TestQueuePrefixPutsReviewFirstWithinItsUrgency(t *testing.T) {
	tips := []struct {
		name    string
		triage  Triage
		created string
	}{
		{"old medium", Triage{Urgency: Medium}, "2026-01-01T00:00:00Z"},
		{"new medium to review", Triage{Urgency: Medium, Review: true}, "2026-01-02T00:00:00Z"},
		{"high", Triage{Urgency: High}, "2026-01-03T00:00:00Z"},
		{"low", Triage{Urgency: Low}, "2025-01-01T00:00:00Z"},
	}
	keys := map[string]string{}
	var order []string
	for _, tp := range tips {
		k := tp.triage.QueuePrefix() + tp.created + "#" + tp.name
		keys[k] = tp.name
		order = append(order, k)
		if want := string(rune('0'+tp.triage.Urgency.Rank())) + "#"; k[:2] != want {
			t.Errorf("%s: key %q does not start with the urgency prefix %q", tp.name, k, want)
		}
	}
	sort.Strings(order)
	want := []string{"high", "new medium to review", "old medium", "low"}
	for i, k := range order {
		if keys[k] != want[i] {
			t.Errorf("queue position %d: got %s, want %s", i, keys[k], want[i])
		}
	}
}
