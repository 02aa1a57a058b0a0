// Package reconcile makes sure no tip is lost when every webhook failed.
// Twilio does not retry an inbound-message webhook after a 5xx (it tries
// the fallback URL once), so a message that reached Twilio while DynamoDB
// or the function was down is in Twilio's message log and nowhere else.
// The scheduled reconcile-messages function reads that log for each
// campaign address since its checkpoint, with a margin for entries that
// show late, and takes every message not stored through the webhook's own
// intake path (intake.Ingest), so the dedupe on MessageSid holds whatever
// runs twice. A reporter whose message it recovers gets the reply the
// webhook would have given, once, only while the conversation window is
// open and never after an opt-out. Each recovered message gets an audit
// entry on its tip; each run logs its counts (Result).
package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"tipline/shared/config"
	"tipline/shared/intake"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// MessageLog reads Twilio's message log; *twilio.Sender is the one used.
type MessageLog interface {
	InboundTo(ctx context.Context, to string, since time.Time, limit int) ([]twilio.Logged, error)
}

// Intake stores a message as the webhook does; *intake.Handler is the one used.
type Intake interface {
	Ingest(ctx context.Context, log *slog.Logger, in twilio.Inbound) (intake.Ingested, error)
}

// Messenger sends one message; *twilio.Sender is the one used.
type Messenger interface {
	SendMessage(ctx context.Context, m twilio.Message) (string, error)
}

// Config tunes the reconciler; zero values take the defaults.
type Config struct {
	// Numbers are addresses read besides the campaigns' numbers (E.164);
	// each is read as SMS and as WhatsApp (whatsapp:+…).
	Numbers []string
	// Margin: each run reads again this far before its checkpoint, for
	// messages Twilio's log shows late.
	Margin time.Duration
	// Settle leaves messages younger than this to the webhook and its
	// fallback, so that the two never both answer one message.
	Settle time.Duration
	// Window is the conversation window: a recovered message older than
	// this gets no reply, which would come out of the blue.
	Window time.Duration
	// FirstLookBack is how far back the first run of an address reads.
	FirstLookBack time.Duration
}

// Defaults.
const (
	DefaultMargin        = 10 * time.Minute
	DefaultSettle        = time.Minute
	DefaultFirstLookBack = 24 * time.Hour
)

// Deps are the reconciler's dependencies; all are required but Now and Sleep.
type Deps struct {
	Store     *store.Store
	Log       MessageLog
	Intake    Intake
	Messenger Messenger
	Logger    *slog.Logger
	Now       tip.Clock
	// Sleep waits d or until ctx ends (default: a timer); Pass waits with it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Reconciler runs reconciliation passes. It is safe for concurrent use;
// concurrent runs store each message once and reply to it once.
type Reconciler struct {
	c Config
	d Deps
}

// New returns a reconciler. It does no I/O.
func New(c Config, d Deps) *Reconciler {
	if c.Margin <= 0 {
		c.Margin = DefaultMargin
	}
	if c.Settle <= 0 {
		c.Settle = DefaultSettle
	}
	if c.Window <= 0 {
		c.Window = config.DefaultWindow
	}
	if c.FirstLookBack <= 0 {
		c.FirstLookBack = DefaultFirstLookBack
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = sleep
	}
	return &Reconciler{c: c, d: d}
}

// Result counts what one run did. Recovered is the figure to watch: each
// one is a message whose webhook failed.
type Result struct {
	Addresses int `json:"addresses"` // addresses whose log was read
	Listed    int `json:"listed"`    // inbound messages read from the log
	Recovered int `json:"recovered"` // messages stored by this run: their webhook had failed
	Replied   int `json:"replied"`   // recovered messages answered with the reply they never got
	// Unanswered are recovered messages given no reply: outside the
	// conversation window, from an opted-out number, or the send failed.
	Unanswered int `json:"unanswered"`
	Failed     int `json:"failed"` // messages that could not be stored; the next run tries again
	// Waiting are messages younger than the settle time that no webhook
	// has stored: left to the webhook for now, they are read again at
	// RecheckAt, when the oldest of them is past the settle time (zero when
	// none waits). A message that arrived while DynamoDB was down is one,
	// until then.
	Waiting   int       `json:"waiting"`
	RecheckAt time.Time `json:"recheck_at,omitzero"`
}

// Run reads the log of every campaign address once, stores what is
// missing, answers it and moves each address's checkpoint up to the
// settle time, unless a message of that address could not be stored.
//
// Errors: transient (the next run goes on from the checkpoints).
func (r *Reconciler) Run(ctx context.Context) (Result, error) {
	var res Result
	addresses, err := r.addresses(ctx)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, a := range addresses {
		if ctx.Err() != nil {
			break
		}
		errs = append(errs, r.address(ctx, a, &res))
	}
	r.d.Logger.Info("messages reconciled", "addresses", res.Addresses, "listed", res.Listed, "recovered", res.Recovered,
		"replied", res.Replied, "unanswered", res.Unanswered, "failed", res.Failed, "waiting", res.Waiting)
	return res, errors.Join(errs...)
}

// Pass is one scheduled invocation: a run, then, while the context's
// deadline leaves room for another run (recheckRoom), more runs: soon
// after a failed one (DynamoDB or Twilio unreachable, retryWait), and at
// RecheckAt when messages were left waiting. So the messages an outage
// left behind come in soon after it ends, not an interval later. It
// returns the last run's result and error.
func (r *Reconciler) Pass(ctx context.Context) (Result, error) {
	for failures := 0; ; {
		res, err := r.Run(ctx)
		var at time.Time
		switch {
		case err != nil:
			failures++
			at = r.d.Now().Add(retryWait(failures))
		case !res.RecheckAt.IsZero():
			at = res.RecheckAt
		default:
			return res, nil
		}
		if d, ok := ctx.Deadline(); !ok || at.Add(recheckRoom).After(d) {
			return res, err
		}
		if err != nil {
			r.d.Logger.Warn("reconcile run failed; trying again", "error", err.Error(), "attempt", failures)
		}
		if r.d.Sleep(ctx, max(at.Sub(r.d.Now()), 0)) != nil {
			return res, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// recheckRoom is the time a run is given before the invocation's deadline.
const recheckRoom = 30 * time.Second

// retryWait is how long Pass waits after its nth failed run: 5 s, doubling,
// at most 20 s.
func retryWait(n int) time.Duration {
	return min(5*time.Second<<min(n-1, 2), 20*time.Second)
}

// addresses are the campaigns' numbers and the configured ones, each as
// SMS and as WhatsApp.
func (r *Reconciler) addresses(ctx context.Context) ([]string, error) {
	campaigns, err := r.d.Store.ListCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	numbers := append([]string(nil), r.c.Numbers...)
	for _, c := range campaigns {
		numbers = append(numbers, c.Numbers...)
	}
	var out []string
	for _, n := range numbers {
		n = strings.TrimPrefix(strings.TrimSpace(n), "whatsapp:")
		if n == "" {
			continue
		}
		out = append(out, n, "whatsapp:"+n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (r *Reconciler) address(ctx context.Context, address string, res *Result) error {
	now := r.d.Now()
	until := now.Add(-r.c.Settle)
	checkpoint, err := r.d.Store.ReconcileCheckpoint(ctx, address)
	if err != nil {
		return err
	}
	since := checkpoint.Add(-r.c.Margin)
	if checkpoint.IsZero() {
		since = now.Add(-r.c.FirstLookBack)
	}
	msgs, err := r.d.Log.InboundTo(ctx, address, since, 0)
	if err != nil {
		return err
	}
	res.Addresses++
	// Each sender's messages in the order they were sent, so follow-ups
	// join the tip their first message opens; senders side by side.
	slices.SortStableFunc(msgs, func(a, b twilio.Logged) int { return a.DateSent.Compare(b.DateSent) })
	var senders [][]twilio.Logged
	var young []twilio.Logged
	index := map[string]int{}
	for _, m := range msgs {
		if m.DateSent.After(until) {
			young = append(young, m) // the webhook's for now
			continue
		}
		res.Listed++
		i, ok := index[m.From]
		if !ok {
			i = len(senders)
			index[m.From] = i
			senders = append(senders, nil)
		}
		senders[i] = append(senders[i], m)
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan []twilio.Logged)
	)
	for w := 0; w < min(workers, len(senders)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ms := range next {
				for _, m := range ms {
					var one Result
					err := r.message(ctx, m, now, &one)
					mu.Lock()
					res.add(one)
					if err != nil {
						res.Failed++
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, ms := range senders {
		next <- ms
	}
	close(next)
	wg.Wait()
	r.waiting(ctx, young, res)
	if err := errors.Join(errs...); err != nil {
		return err // the checkpoint stays: the next run reads these again
	}
	return r.d.Store.SaveReconcileCheckpoint(ctx, address, until)
}

// waiting counts the young messages no webhook has stored and sets
// RecheckAt to when the oldest of them passes the settle time, so that a
// message that came in during an outage is taken as soon as the webhook's
// chance is over, not a whole interval later.
// When the store cannot tell, every one of them waits.
func (r *Reconciler) waiting(ctx context.Context, young []twilio.Logged, res *Result) {
	if len(young) == 0 {
		return
	}
	sids := make([]string, len(young))
	for i, m := range young {
		sids[i] = m.SID
	}
	stored, _ := r.d.Store.Stored(ctx, sids) // nil on error: none known stored
	for _, m := range young {
		if stored[m.SID] {
			continue // stored by its webhook
		}
		res.Waiting++
		if at := m.DateSent.Add(r.c.Settle); res.RecheckAt.IsZero() || at.Before(res.RecheckAt) {
			res.RecheckAt = at
		}
	}
}

// workers bounds the senders whose messages are taken at once.
const workers = 4

func (r *Result) add(o Result) {
	r.Recovered += o.Recovered
	r.Replied += o.Replied
	r.Unanswered += o.Unanswered
}

// message stores one logged message if it is missing and answers it.
func (r *Reconciler) message(ctx context.Context, m twilio.Logged, now time.Time, res *Result) error {
	log := r.d.Logger.With("message_sid", m.SID)
	in, err := twilio.ParseInbound(m.Form())
	if err != nil {
		log.Warn("logged message skipped: it does not read as a webhook would", "reason", err.Error())
		return nil
	}
	got, err := r.d.Intake.Ingest(ctx, log, in)
	if err != nil {
		log.Warn("logged message not stored; the next run tries again", "error", err.Error())
		return err
	}
	if !got.Stored {
		return nil
	}
	res.Recovered++
	detail := map[string]string{"message_sid": m.SID, "sent_at": m.DateSent.Format(time.RFC3339)}
	reason := ""
	switch {
	case got.OptedOut:
		reason = "opted_out"
	case now.Sub(m.DateSent) > r.c.Window:
		reason = "outside_window"
	case len(got.Reply) == 0:
		reason = "no_reply"
	}
	if reason == "" {
		// From the address the reporter wrote to, so the reply lands in the
		// same conversation (SMS or WhatsApp).
		for _, text := range got.Reply {
			if _, err := r.d.Messenger.SendMessage(ctx, twilio.Message{From: m.To, To: m.From, Body: text}); err != nil {
				reason = "send_failed"
				log.Warn("reply to a recovered message not sent", "tip_id", got.TipID, "error_code", twilio.Code(err), "reason", err.Error())
				break
			}
		}
	}
	if reason == "" {
		res.Replied++
		detail["replied"] = "true"
	} else {
		res.Unanswered++
		detail["replied"], detail["reason"] = "false", reason
	}
	log.Info("message recovered from Twilio's log", "tip_id", got.TipID, "replied", reason == "", "reason", reason)
	if got.TipID == "" {
		return nil
	}
	if err := r.d.Store.AddAudit(ctx, tip.Audit{TipID: got.TipID, At: now, Actor: "system", Action: "message.recovered", Detail: detail}); err != nil {
		// The tip is stored and the reply sent: a lost audit entry must not
		// make the next run count or answer it again (it will not: the
		// message is stored), so it is logged, not returned.
		log.Warn("audit of a recovered message not written", "tip_id", got.TipID, "error", err.Error())
	}
	return nil
}
