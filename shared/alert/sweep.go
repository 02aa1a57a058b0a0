package alert

import (
	"context"
	"errors"
	"time"

	"tipline/shared/tip"
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	Alerts      int // due alerts handed to SendAlert
	Escalations int // routes due for escalation
	Dispatched  int // reportable tips still in the triaged queue, dispatched
}

// Sweep does all work that is due, so that progress never depends on the
// streams: it dispatches reportable tips still waiting in the triaged queue
// longer than the grace period (a lost stream record, a consent given),
// reading on from where the previous sweep stopped,
// escalates routes whose tier did not acknowledge in time, then sends due
// alerts (first attempts whose stream record was lost, retries after
// backoff, claims whose worker died), those just written included. Each part
// is a bounded number of Queries on an index.
// Every item is tried even when others fail; the errors are joined.
func (x *Dispatcher) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var errs []error
	var err error
	now := x.d.Now()
	res.Dispatched, err = x.sweepTriaged(ctx, now)
	errs = append(errs, err)
	ids, err := x.d.Store.DueEscalations(ctx, now, x.c.Batch)
	errs = append(errs, err)
	for _, id := range ids {
		res.Escalations++
		errs = append(errs, x.Escalate(ctx, id))
	}
	if x.d.Messenger != nil {
		// Read the time again: alerts written above are due now.
		keys, err := x.d.Store.DueAlerts(ctx, x.d.Now(), x.c.Batch)
		errs = append(errs, err)
		for _, k := range keys {
			if !timeLeft(ctx, x.c.Lease) {
				break
			}
			res.Alerts++
			errs = append(errs, x.SendAlert(ctx, k))
		}
	}
	return res, errors.Join(errs...)
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
// sweepPages pages of Batch tips from the cursor the last sweep saved, and
// saves where it stopped ("" at the end, so the next sweep starts from the
// front). Tips held there (waiting for consent, declined, without a route)
// stay in the queue and Dispatch leaves them alone; without the cursor,
// Batch of them would hide every tip behind them from every sweep. A tip
// behind N held ones is reached within N/(sweepPages×Batch)+1 sweeps.
func (x *Dispatcher) sweepTriaged(ctx context.Context, now time.Time) (int, error) {
	cursor, err := x.d.Store.SweepCursor(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	dispatched := 0
	for page := 0; page < sweepPages; page++ {
		tips, next, err := x.d.Store.ReportableTriaged(ctx, cursor, x.c.Batch)
		if tip.Is(err, tip.KindInvalid) {
			next, err = "", nil // a cursor of another format: start again from the front
		}
		if err != nil {
			errs = append(errs, err)
			break
		}
		for _, t := range tips {
			if now.Sub(t.UpdatedAt) < x.c.Grace {
				continue
			}
			dispatched++
			errs = append(errs, x.Dispatch(ctx, t.ID))
		}
		cursor = next
		if cursor == "" || !timeLeft(ctx, x.c.Lease) {
			break
		}
	}
	errs = append(errs, x.d.Store.SaveSweepCursor(ctx, cursor))
	return dispatched, errors.Join(errs...)
}
