package intake_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/testkit"
)

// TestWebhookCost counts the DynamoDB round trips of a first message, a
// follow-up and a replay (the design budget: one or two for a first
// message), and, on DynamoDB Local, the capacity units they consume. A
// follow-up rewrites the tip item (its size, with the whole text and the
// triage reasons, sets the units) and, when urgency changes, the campaign
// counters; the ceilings catch a regression, they are not a target.
func TestWebhookCost(t *testing.T) {
	db, table := testkit.Table(t, "cost")
	_, onLocal := db.(*dynamodb.Client)
	meter := testkit.NewMeter(db)
	h := newHarnessOn(t, meter, table, false)
	from := "+51987650060"
	// A warm function has the campaign of our number cached.
	if rec := h.post(form("SM00000000000000000000000000000059", "+51987650069", "hola"), nil); rec.Code != 200 {
		t.Fatalf("warm-up status %d", rec.Code)
	}
	steps := []struct {
		name      string
		form      func() (string, string)
		maxTrips  int
		maxWrites float64
	}{
		{"first message", func() (string, string) {
			return "SM00000000000000000000000000000060", "en el km 108 tienen a chicas menores"
		}, 2, 20},
		{"follow-up", func() (string, string) { return "SM00000000000000000000000000000061", "y no las dejan salir" }, 3, 26},
		{"replay", func() (string, string) { return "SM00000000000000000000000000000061", "y no las dejan salir" }, 1, 0},
	}
	for _, st := range steps {
		meter.Reset()
		sid, body := st.form()
		if rec := h.post(form(sid, from, body), nil); rec.Code != 200 {
			t.Fatalf("%s: status %d", st.name, rec.Code)
		}
		read, write, trips := meter.Units()
		t.Logf("%s: %d round trips, %.1f read units, %.1f write units (units reported on DynamoDB Local: %v)", st.name, trips, read, write, onLocal)
		if trips > st.maxTrips {
			t.Errorf("%s: %d round trips, want at most %d", st.name, trips, st.maxTrips)
		}
		if write > st.maxWrites {
			t.Errorf("%s: %.1f write units, want at most %.1f", st.name, write, st.maxWrites)
		}
	}
}
