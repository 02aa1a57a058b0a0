package intake_test

import (
	"fmt"
	"testing"
)

// BenchmarkWebhookFirstMessage measures first messages (signature check,
// triage, one lookup and one transaction) through the handler on the
// embedded engine: go test -bench WebhookFirstMessage -benchtime 200x ./shared/intake
// The embedded engine snapshots the whole table for each transaction, so
// the cost per message grows with the table: compare runs of equal -benchtime.
func BenchmarkWebhookFirstMessage(b *testing.B) {
	h := newHarness(b, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := form(fmt.Sprintf("SM%032d", i), fmt.Sprintf("+519%08d", i), "en el bar de la pampa km 108 hay chicas menores, no las dejan salir")
		if rec := h.post(f, nil); rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkWebhookLongConversation measures the 30th message of 4,096
// characters from one reporter (29 before it in the same conversation):
// the tip's text is bounded, so it costs what an early follow-up costs.
// go test -bench WebhookLongConversation -benchtime 5x ./shared/intake
func BenchmarkWebhookLongConversation(b *testing.B) {
	h := newHarness(b, false)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		from := fmt.Sprintf("+519%08d", i)
		for j := 0; j < 29; j++ {
			if rec := h.post(form(fmt.Sprintf("SM%016d%016d", i, j), from, longMessage(j, 4096)), nil); rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
		b.StartTimer()
		if rec := h.post(form(fmt.Sprintf("SM%016d%016d", i, 29), from, longMessage(29, 4096)), nil); rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
