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
// Lambda's retries of a failed scheduled invocation do, so that messages
// are recovered soon after the outage ends.
func reconcileLoop(ctx context.Context, log *slog.Logger, r *reconcile.Reconciler, every time.Duration) {
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = every
		if _, err := r.Run(ctx); err != nil && ctx.Err() == nil {
			wait = min(every, retryAfterFailure)
			log.Error("reconcile failed; the next run goes on from the checkpoints", "error", err.Error(), "next_in", wait.String())
		}
	}
}

// retryAfterFailure is how soon a failed reconcile run is tried again.
const retryAfterFailure = 10 * time.Second
