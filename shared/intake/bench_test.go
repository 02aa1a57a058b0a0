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
