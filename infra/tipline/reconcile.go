package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/reconcile"
)

// startReconcile runs the reconcile-messages function in the local stack:
// every -reconcile-every it reads the Twilio message log (the built-in
// fake's, or the API's at -twilio-api-url) and stores the messages whose
// webhook failed; POST /local/reconcile runs it once and answers its counts.
func startReconcile(ctx context.Context, c config.Config, a *app.App, log *slog.Logger, mux *http.ServeMux, wg *sync.WaitGroup) error {
	r, err := a.Reconciler()
	if err != nil {
		return err
	}
	mux.HandleFunc("POST /local/reconcile", func(w http.ResponseWriter, req *http.Request) {
		res, err := r.Run(req.Context())
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			log.Error("reconcile failed", "error", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	if every := c.Local.ReconcileEvery; every > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reconcileLoop(ctx, log, r, every)
		}()
	}
	log.Info("reconciler", "every", c.Local.ReconcileEvery.String(), "run_now", "POST "+c.PublicBaseURL+"/local/reconcile")
	return nil
}

// reconcileLoop runs the reconciler every every until ctx ends. After a
// failed run (DynamoDB or Twilio unreachable) the next comes sooner, as
// Lambda's retries of a failed scheduled invocation do, and a run that
// left messages waiting for their settle time is followed by one when the
// oldest of them passes it, so that messages are recovered soon after an
// outage ends.
func reconcileLoop(ctx context.Context, log *slog.Logger, r *reconcile.Reconciler, every time.Duration) {
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		res, err := r.Run(ctx)
		wait = nextReconcile(res, err, every, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("reconcile failed; the next run goes on from the checkpoints", "error", err.Error(), "next_in", wait.String())
		}
	}
}

// nextReconcile is how long the loop waits after a run.
func nextReconcile(res reconcile.Result, err error, every time.Duration, now time.Time) time.Duration {
	switch {
	case err != nil:
		return min(every, retryAfterFailure)
	case !res.RecheckAt.IsZero():
		return min(every, max(res.RecheckAt.Sub(now), time.Second))
	}
	return every
}

// retryAfterFailure is how soon a failed reconcile run is tried again.
const retryAfterFailure = 10 * time.Second
