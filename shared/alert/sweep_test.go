package alert_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"tipline/shared/alert"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// noRegion is a critical tip without region: one alert, to the national unit.
const noRegion = "tienen encerrada a una chica en un cuarto"

// alertStatuses reads the status of each alert of a tip.
func (e *env) alertStatuses(tipID string) []tip.AlertStatus {
	e.t.Helper()
	alerts, err := e.store.Alerts(e.ctx, tipID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []tip.AlertStatus
	for _, a := range alerts {
		out = append(out, a.Status)
	}
	return out
}

func allSent(statuses []tip.AlertStatus) bool {
	for _, s := range statuses {
		if s != tip.AlertSent {
			return false
		}
	}
	return len(statuses) > 0
}

func TestABurstNeverDelaysTheNewestCriticalTip(t *testing.T) {
	for engine, endpoint := range engines() {
		t.Run("on the "+engine+", one pass after a burst of 60 critical tips alerts the tip that came in last", func(t *testing.T) {
			e := newEnvOn(t, endpoint, func(c *alert.Config) { c.Batch = 5 })
			national := tip.Triage{Urgency: tip.Critical, ImmediateDanger: true, Language: tip.LangSpanish}
			for i := 0; i < 60; i++ {
				tp := e.newTip(noRegion, national)
				if i%2 == 0 { // half routed with their alert pending, half still waiting to be routed
					if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
						t.Fatal(err)
					}
				}
				e.clock.Advance(time.Second)
			}
			e.clock.Advance(time.Minute)
			last := e.newTip(mddText, critical("PE-MDD", true))
			e.clock.Advance(time.Minute) // past the grace left to the stream

			res := e.sweep()
			if got := e.alertStatuses(last.ID); !allSent(got) {
				t.Errorf("after one pass the newest critical tip's alerts are %v, want all sent (pass: %+v)", got, res)
			}
		})
	}
}

func TestDueAlertsOfCriticalTipsGoBeforeHighOnes(t *testing.T) {
	for engine, endpoint := range engines() {
		t.Run("on the "+engine+", a pass with room for one alert sends the critical tip's, though eight high ones are older", func(t *testing.T) {
			e := newEnvOn(t, endpoint, func(c *alert.Config) { c.Batch = 1 })
			var high []*tip.Tip
			for i := 0; i < 8; i++ {
				tp := e.newTip(noRegion, tip.Triage{Urgency: tip.High, Language: tip.LangSpanish})
				high = append(high, tp)
				if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(time.Second)
			}
			crit := e.newTip(noRegion, tip.Triage{Urgency: tip.Critical, ImmediateDanger: true, Language: tip.LangSpanish})
			if err := e.d.Dispatch(e.ctx, crit.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)

			e.sweep()
			if got := e.alertStatuses(crit.ID); !allSent(got) {
				t.Errorf("critical tip's alerts are %v, want sent", got)
			}
			for _, tp := range high {
				if got := e.alertStatuses(tp.ID); allSent(got) {
					t.Errorf("high tip %s was alerted before the critical one", tp.Ref)
				}
			}
		})
	}
}

// cancelAfter is the real sender, cancelling the sweep's context once it
// has sent n messages: the process is being stopped.
type cancelAfter struct {
	alert.Messenger
	n      int64
	sent   atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) SendMessage(ctx context.Context, m twilio.Message) (string, error) {
	sid, err := c.Messenger.SendMessage(ctx, m)
	if c.sent.Add(1) == c.n {
		c.cancel()
	}
	return sid, err
}

func TestSweepStopsWhenCancelled(t *testing.T) {
	e := newEnv(t)
	national := tip.Triage{Urgency: tip.Critical, ImmediateDanger: true, Language: tip.LangSpanish}
	for i := 0; i < 30; i++ {
		tp := e.newTip(noRegion, national)
		if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	t.Run("a pass cancelled before it starts sends nothing and reports no error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		res, err := e.d.Sweep(ctx)
		if err != nil || !res.Stopped || len(e.fake.Outbox()) != 0 {
			t.Errorf("Sweep(cancelled) = %+v, %v with %d sent; want stopped, no error, nothing sent", res, err, len(e.fake.Outbox()))
		}
	})
	t.Run("a pass cancelled after its third send sends no fourth", func(t *testing.T) {
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		d := e.dispatcherWith(func(m alert.Messenger) alert.Messenger { return &cancelAfter{Messenger: m, n: 3, cancel: cancel} })
		res, err := d.Sweep(ctx)
		if err != nil || !res.Stopped {
			t.Errorf("Sweep() = %+v, %v; want stopped without error", res, err)
		}
		if n := len(e.fake.Outbox()); n != 3 {
			t.Errorf("sent %d alerts, want 3 (none after the cancellation)", n)
		}
	})
}
