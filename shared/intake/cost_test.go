package intake_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/store"
)

// TestWebhookCost prints the DynamoDB round trips and capacity units of
// each kind of message (units are reported by DynamoDB Local, not by the
// embedded engine), and holds the design budget: a first message with no
// open conversation is one round trip, the conditional transaction itself.
// A follow-up reads the open conversation and the tip before it writes;
// its units grow with the tip item (the whole text and the triage reasons).
// The other ceilings catch a regression; they are not a target.
func TestWebhookCost(t *testing.T) {
	ctx := context.Background()
	var db store.API
	table := "tipline"
	onLocal := os.Getenv("DYNAMODB_ENDPOINT") != ""
	if onLocal {
		c, _, err := localdb.Client(ctx, os.Getenv("DYNAMODB_ENDPOINT"), localdb.WithConflicts(localdb.NewLocks()))
		if err != nil {
			t.Fatal(err)
		}
		table = fmt.Sprintf("cost_%d", time.Now().UnixNano())
		if err := localdb.Ensure(ctx, c, table); err != nil {
			t.Fatal(err)
		}
		db = c
	} else {
		c, err := localdb.Embedded(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		db = c
	}
	meter := store.NewMeter(db)
	h := newHarnessOn(t, meter, table, false)
	from, other := "+51987650060", "+51987650061"
	// A warm function has the campaign of our number cached.
	if rec := h.post(form("SM00000000000000000000000000000059", "+51987650069", "hola"), nil); rec.Code != 200 {
		t.Fatalf("warm-up status %d", rec.Code)
	}
	steps := []struct {
		kind, sid, from, body string
		maxTrips              int
		maxWrites             float64
	}{
		{"first message, no open conversation", "SM00000000000000000000000000000060", from, "en el km 108 tienen a chicas menores", 1, 20},
		{"follow-up in the open conversation", "SM00000000000000000000000000000061", from, "y no las dejan salir", 3, 26},
		{"replay of a stored MessageSid", "SM00000000000000000000000000000061", from, "y no las dejan salir", 1, 0},
		{"keyword (AYUDA)", "SM00000000000000000000000000000062", other, "AYUDA", 1, 0},
		{"opt-out (BAJA)", "SM00000000000000000000000000000063", other, "BAJA", 2, 2},
		{"first message of an opted-out reporter", "SM00000000000000000000000000000064", other, "hay una agencia que capta chicas", 3, 20},
	}
	t.Logf("%-40s %6s %11s %12s", "kind of message", "trips", "read units", "write units")
	for _, st := range steps {
		meter.Reset()
		if rec := h.post(form(st.sid, st.from, st.body), nil); rec.Code != 200 {
			t.Fatalf("%s: status %d", st.kind, rec.Code)
		}
		read, write, trips := meter.Units()
		t.Logf("%-40s %6d %11.1f %12.1f", st.kind, trips, read, write)
		if trips > st.maxTrips {
			t.Errorf("%s: %d round trips, want at most %d", st.kind, trips, st.maxTrips)
		}
		if write > st.maxWrites {
			t.Errorf("%s: %.1f write units, want at most %.1f", st.kind, write, st.maxWrites)
		}
	}
	if !onLocal {
		t.Logf("units are reported on DynamoDB Local only (make test sets DYNAMODB_ENDPOINT)")
	}
}
