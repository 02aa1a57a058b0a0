package alert

import (
	"context"
	"errors"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	Alerts      int // due alerts handed to SendAlert
	Escalations int // routes due for escalation
	Dispatched  int // reportable tips still in the triaged queue, dispatched
	// Stopped reports that the pass ended on its budget or on cancellation
	// with work left; the next pass goes on.
	Stopped bool
}

// freshLimit bounds the newest tips of each urgency one pass dispatches
// before anything else: few, so that a pass working through a burst ends
// soon and the next one finds the tip that came in meanwhile.
const freshLimit = 5

// Sweep does the work that is due, so that progress never depends on the
// streams, most urgent first, and then works the backlog within a budget:
//
//  1. the newest critical tips still in the triaged queue are dispatched
//     and their alerts sent at once, then the newest high ones: a burst of
//     older tips never delays the latest critical one;
//  2. due alerts are sent, critical before high before the rest (first
//     attempts whose stream record was lost, retries after backoff, claims
//     whose worker died);
//  3. routes whose tier did not acknowledge in time are escalated;
//  4. the triaged queue is read on from where the previous pass stopped
//     and its reportable tips dispatched (a lost stream record, a consent
//     given);
//  5. due alerts are sent again, those steps 3 and 4 wrote included.
//
// Step 1 reads freshLimit tips of each urgency and dispatches the newest
// critical one whatever the budget; the rest of the pass is bounded by
// Batch for each kind and by PassBudget for all. Every step stops as soon as ctx is
// cancelled. Tips younger than Grace are left to the stream. Every item is
// tried even when others fail; the errors are joined.
func (x *Dispatcher) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var errs []error
	end := x.d.Now().Add(x.c.PassBudget)
	budget := func() bool {
		if ctx.Err() != nil || !x.d.Now().Before(end) || !timeLeft(ctx, x.c.Lease) {
			res.Stopped = true
			return false
		}
		return true
	}
	for _, u := range []tip.Urgency{tip.Critical, tip.High} {
		if u != tip.Critical && !budget() {
			break
		}
		n, err := x.sweepFresh(ctx, u, budget, &res)
		res.Dispatched += n
		errs = append(errs, err)
	}
	sendDue := func() {
		if x.d.Messenger == nil || !budget() {
			return
		}
		keys, err := x.d.Store.DueAlerts(ctx, x.d.Now(), x.c.Batch)
		errs = append(errs, err)
		for _, k := range keys {
			if !budget() {
				break
			}
			res.Alerts++
			errs = append(errs, x.SendAlert(ctx, k))
		}
	}
	sendDue()
	if budget() {
		ids, err := x.d.Store.DueEscalations(ctx, x.d.Now(), x.c.Batch)
		errs = append(errs, err)
		for _, id := range ids {
			if !budget() {
				break
			}
			res.Escalations++
			errs = append(errs, x.Escalate(ctx, id))
		}
	}
	if budget() {
		n, err := x.sweepTriaged(ctx, x.d.Now(), budget)
		res.Dispatched += n
		errs = append(errs, err)
	}
	if res.Escalations+res.Dispatched > 0 {
		// Alerts written by the escalations and dispatches above are due
		// now: send them within the budget rather than a pass later.
		sendDue()
	}
	if ctx.Err() != nil {
		return res, nil // stopped on purpose: what is left is the next pass's
	}
	return res, errors.Join(errs...)
}

// sweepFresh dispatches the newest tips of urgency u still in the triaged
// queue and sends the alerts each one got, before the pass moves on: the
// newest one whatever the budget, the others while more reports budget.
func (x *Dispatcher) sweepFresh(ctx context.Context, u tip.Urgency, more func() bool, res *SweepResult) (int, error) {
	tips, err := x.d.Store.NewestTriaged(ctx, u, freshLimit)
	if err != nil {
		return 0, err
	}
	var errs []error
	dispatched := 0
	now := x.d.Now()
	for i, t := range tips {
		if ctx.Err() != nil || (i > 0 && !more()) {
			res.Stopped = true
			break
		}
		if !t.Reportable || now.Sub(t.UpdatedAt) < x.c.Grace {
			continue
		}
		if err := x.Dispatch(ctx, t.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		dispatched++
		if x.d.Messenger == nil {
			continue
		}
		alerts, err := x.d.Store.Alerts(ctx, t.ID)
		errs = append(errs, err)
		for _, a := range alerts {
			if a.Status == tip.AlertPending && !a.NextAttemptAt.After(x.d.Now()) && ctx.Err() == nil {
				res.Alerts++
				errs = append(errs, x.SendAlert(ctx, a.Key()))
			}
		}
	}
	return dispatched, errors.Join(errs...)
}

// timeLeft reports whether ctx leaves time for one more send: with a
// deadline, at least a quarter of the lease (a send takes at most the HTTP
// timeout, well under it).
func timeLeft(ctx context.Context, lease time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	d, ok := ctx.Deadline()
	return !ok || time.Until(d) > lease/4
}

// sweepPages bounds the pages of the triaged queue one sweep reads.
const sweepPages = 5

// sweepTriaged dispatches the reportable tips of the triaged queue, up to
// sweepPages pages of Batch tips from the cursor the last sweep saved,
// while more reports the pass has budget left, and saves where it stopped
// ("" at the end, so the next sweep starts from the front). Tips held there
// (waiting for consent, declined, without a route) stay in the queue and
// Dispatch leaves them alone; without the cursor, Batch of them would hide
// every tip behind them from every sweep.
func (x *Dispatcher) sweepTriaged(ctx context.Context, now time.Time, more func() bool) (int, error) {
	cursor, err := x.d.Store.SweepCursor(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	dispatched := 0
	stopped := false
	for page := 0; page < sweepPages && !stopped; page++ {
		tips, next, err := x.d.Store.ReportableTriaged(ctx, cursor, x.c.Batch)
		if tip.Is(err, tip.KindInvalid) {
			next, err = "", nil // a cursor of another format: start again from the front
		}
		if err != nil {
			errs = append(errs, err)
			break
		}
		for _, t := range tips {
			if !more() {
				// Resume at this tip next time: the cursor is the queue key
				// of the last tip handled.
				stopped = true
				break
			}
			cursor = store.QueueCursor(t)
			if now.Sub(t.UpdatedAt) < x.c.Grace {
				continue
			}
			dispatched++
			errs = append(errs, x.Dispatch(ctx, t.ID))
		}
		if !stopped {
			cursor = next
		}
		if cursor == "" {
			break
		}
	}
	if ctx.Err() == nil {
		errs = append(errs, x.d.Store.SaveSweepCursor(ctx, cursor))
	}
	return dispatched, errors.Join(errs...)
}
