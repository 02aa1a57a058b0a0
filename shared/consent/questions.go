package consent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// QuestionTTL is how long a reporter's SI or NO still answers the consent
// question after it was asked, whether or not their conversation is open.
const QuestionTTL = 7 * 24 * time.Hour

// retries bounds attempts after a conflicting write.
const retries = 5

// Questions asks adult victims for consent and takes their answers. It is
// safe for concurrent use.
type Questions struct {
	store   *store.Store
	replies *reply.Book
	log     *slog.Logger
	now     tip.Clock

	mu        sync.Mutex
	lastStamp time.Time
}

// NewQuestions returns the consent questions of a table. now and log may
// be nil (time.Now, no logs).
func NewQuestions(st *store.Store, replies *reply.Book, log *slog.Logger, now tip.Clock) *Questions {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return &Questions{store: st, replies: replies, log: log, now: now}
}

// Pending reports whether a tip on route r must wait for its reporter's
// yes before any authority is told: Needed, and no yes recorded yet.
func Pending(t *tip.Tip, r tip.Route) bool {
	return r.Consent != tip.ConsentGiven && Needed(t.Triage, t.Text)
}

// Ask records that the reporter of t was asked (the webhook's reply asked
// them) and that route r waits for the answer. The question is recorded for
// the reporter first: they may answer days later, after their conversation
// closed, and the answer must find this tip. Should saving the route fail,
// the record points to a tip not waiting, which the answer ignores.
func (q *Questions) Ask(ctx context.Context, t *tip.Tip, r *tip.Route) error {
	if t.ReporterKey != "" {
		if err := q.store.SaveConsentQuestion(ctx, t.ReporterKey, t.ID, QuestionTTL); err != nil {
			return err
		}
	}
	r.State, r.Consent = tip.RouteAwaitingConsent, tip.ConsentAsked
	return q.store.SaveRoute(ctx, r, q.audit("system", "consent.asked", nil))
}

// Interceptor takes a reporter's SI or NO while a tip of theirs waits for
// consent: the tip of their open conversation, or the one whose question
// they were last asked. Otherwise, and for authorities' numbers, the message
// goes on. Its signature is intake's Interceptor; it is idempotent on a
// replayed MessageSid (the same answer again gets the same reply).
func (q *Questions) Interceptor() func(ctx context.Context, in twilio.Inbound, reporterKey string, l store.Lookup) (string, bool, error) {
	return func(ctx context.Context, in twilio.Inbound, reporterKey string, l store.Lookup) (string, bool, error) {
		if l.Authority != nil {
			return "", false, nil
		}
		answer, yes := q.replies.ConsentAnswer(in.Body)
		if !answer || len(in.Media) > 0 {
			return "", false, nil
		}
		return q.answer(ctx, in, reporterKey, yes)
	}
}

func (q *Questions) answer(ctx context.Context, in twilio.Inbound, reporterKey string, yes bool) (string, bool, error) {
	var ids []string
	conv, err := q.store.OpenConversation(ctx, reporterKey)
	switch {
	case err == nil:
		ids = append(ids, conv.TipID)
	case !tip.Is(err, tip.KindNotFound):
		return "", false, err
	}
	asked, err := q.store.ConsentQuestion(ctx, reporterKey)
	switch {
	case err == nil && !slices.Contains(ids, asked):
		ids = append(ids, asked)
	case err != nil && !tip.Is(err, tip.KindNotFound):
		return "", false, err
	}
	for _, id := range ids {
		reply, handled, err := q.answerFor(ctx, in, id, yes)
		if err != nil || handled {
			return reply, handled, err
		}
	}
	return "", false, nil
}

// answerFor records the answer for tipID when its route waits for consent
// (or got the same answer before: a replay).
func (q *Questions) answerFor(ctx context.Context, in twilio.Inbound, tipID string, yes bool) (string, bool, error) {
	log := q.log.With("tip_id", tipID, "message_sid", in.MessageSID)
	for attempt := 0; attempt < retries; attempt++ {
		r, err := q.store.Route(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		t, err := q.store.Tip(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		reply := q.replies.ConsentReply(yes, t.Ref, t.Language)
		switch {
		case r.State == tip.RouteAwaitingConsent, r.State == tip.RouteDeclined && yes:
		case r.Consent == tip.ConsentGiven && yes, r.Consent == tip.ConsentRefused && !yes:
			return reply, true, nil // a replay, or the same answer again
		default:
			return "", false, nil // no question pending: an ordinary message
		}
		action := "consent.refused"
		r.State, r.Consent = tip.RouteDeclined, tip.ConsentRefused
		if yes {
			action = "consent.granted"
			r.State, r.Consent = tip.RouteConsented, tip.ConsentGiven
		}
		err = q.store.SaveRoute(ctx, &r, q.audit("reporter", action, map[string]string{"message_sid": in.MessageSID}))
		if errors.Is(err, store.ErrStale) {
			continue
		}
		if err != nil {
			return "", false, err
		}
		log.Info("consent answer recorded", "consent", string(r.Consent))
		if yes {
			// Touch the tip: its stream record brings it to the dispatcher
			// at once (the sweep would find it in the triaged queue anyway).
			if err := q.touch(ctx, t); err != nil {
				log.Warn("tip not touched after consent; the sweep dispatches it", "error", err.Error())
			}
		}
		return reply, true, nil
	}
	return "", false, tip.Errorf(tip.KindTransient, "consent: answer "+tipID, "gave up after repeated conflicts")
}

func (q *Questions) touch(ctx context.Context, t *tip.Tip) error {
	for attempt := 0; attempt < retries; attempt++ {
		err := q.store.SaveTip(ctx, t)
		if !errors.Is(err, store.ErrStale) {
			return err
		}
		var rerr error
		if t, rerr = q.store.Tip(ctx, t.ID); rerr != nil {
			return rerr
		}
	}
	return nil
}

func (q *Questions) audit(actor, action string, detail map[string]string) tip.Audit {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	if !now.After(q.lastStamp) {
		now = q.lastStamp.Add(time.Microsecond)
	}
	q.lastStamp = now
	return tip.Audit{At: now, Actor: actor, Action: action, Detail: detail}
}
