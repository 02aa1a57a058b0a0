package alert

import (
	"context"
	"errors"
	"time"
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
// escalates routes whose tier did not acknowledge in time, then sends due
// alerts (first attempts whose stream record was lost, retries after
// backoff, claims whose worker died), those just written included. Each part is one Query on an index.
// Every item is tried even when others fail; the errors are joined.
func (x *Dispatcher) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var errs []error
	now := x.d.Now()
	tips, err := x.d.Store.ReportableTriaged(ctx, x.c.Batch)
	errs = append(errs, err)
	for _, t := range tips {
		if now.Sub(t.UpdatedAt) < x.c.Grace {
			continue
		}
		res.Dispatched++
		errs = append(errs, x.Dispatch(ctx, t.ID))
	}
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
