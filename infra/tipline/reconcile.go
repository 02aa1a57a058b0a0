package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"strings"
	"time"

	"tipline/shared/intake"
	"tipline/shared/reconcile"
)

// reconcileModule runs the reconcile-messages function in the local stack:
// every -reconcile-every it reads the Twilio message log (the built-in
// fake's, or the API's at -twilio-api-url) and stores the messages whose
// webhook failed; POST /local/reconcile runs it once and answers its counts.
// It starts after the other modules, so the intake it uses has their
// interceptors.
type reconcileModule struct {
	every   time.Duration
	settle  time.Duration
	numbers string
}

func (m *reconcileModule) flags(fs *flag.FlagSet) {
	fs.DurationVar(&m.every, "reconcile-every", 5*time.Minute, "how often Twilio's message log is reconciled (the reconcile-messages function runs every 5 minutes in AWS); 0 turns it off")
	fs.DurationVar(&m.settle, "reconcile-settle", reconcile.DefaultSettle, "messages younger than this are left to the webhook and its fallback")
	fs.StringVar(&m.numbers, "reconcile-numbers", envOr("RECONCILE_NUMBERS", "+51900000000"), "comma-separated numbers reconciled besides the campaigns' (env RECONCILE_NUMBERS)")
}

func (m *reconcileModule) start(s *stack) error {
	if s.sender == nil {
		return errors.New("serve: the reconciler needs the alerts module started before it")
	}
	var numbers []string
	for _, n := range strings.Split(m.numbers, ",") {
		if n = strings.TrimSpace(n); n != "" {
			numbers = append(numbers, n)
		}
	}
	r := reconcile.New(reconcile.Config{Numbers: numbers, Settle: m.settle, Window: s.intake.Window},
		reconcile.Deps{Store: s.store, Log: s.sender, Intake: intake.New(*s.intake), Messenger: s.sender, Logger: s.log})
	s.mux.HandleFunc("POST /local/reconcile", func(w http.ResponseWriter, req *http.Request) {
		res, err := r.Run(req.Context())
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			s.log.Error("reconcile failed", "error", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	if m.every > 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			m.loop(s.ctx, s, r)
		}()
	}
	s.log.Info("reconciler", "every", m.every.String(), "run_now", "POST "+s.publicURL+"/local/reconcile")
	return nil
}

// loop runs the reconciler every m.every until ctx ends. After a failed
// run (DynamoDB or Twilio unreachable) the next comes sooner, as Lambda's
// retries of a failed scheduled invocation do, so that messages are
// recovered soon after the outage ends.
func (m *reconcileModule) loop(ctx context.Context, s *stack, r *reconcile.Reconciler) {
	wait := m.every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = m.every
		if _, err := r.Run(ctx); err != nil && ctx.Err() == nil {
			wait = min(m.every, retryAfterFailure)
			s.log.Error("reconcile failed; the next run goes on from the checkpoints", "error", err.Error(), "next_in", wait.String())
		}
	}
}

// retryAfterFailure is how soon a failed reconcile run is tried again.
const retryAfterFailure = 10 * time.Second
