// Package intake is the inbound tip line: the handler behind Twilio's
// messaging webhook. It checks the signature, stores every message exactly
// once as a new tip or as a follow-up of the reporter's open conversation,
// triages the whole conversation and answers in TwiML.
//
// Before a message is stored, MaskSender removes the sender's own number
// from it in every form libphonenumber gives that number. The facts it
// needs come from a table generated from the metadata of
// github.com/nyaruka/phonenumbers (mask_table.go), so that no function
// links the library and pays its init; after upgrading the library, run
// `go generate ./shared/intake` to regenerate it (a test fails until then,
// and another compares the forms with the library's own).
package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"tipline/shared/campaign"

	"tipline/shared/config"
	"tipline/shared/contact"
	"tipline/shared/metric"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

// Flood guard defaults: past 20 messages in 10 minutes from one reporter,
// messages are stored but neither re-triaged nor answered.
const (
	DefaultFloodLimit  = 20
	DefaultFloodWindow = 10 * time.Minute
)

// Deps are what the handler needs. All are required except Now, IDs, Rand.
type Deps struct {
	Store      *store.Store
	Triage     *triage.Engine
	Replies    *reply.Book
	Contacts   *contact.Keeper
	Validator  *twilio.Validator
	Log        *slog.Logger
	Window     time.Duration // 0 means config.DefaultWindow
	AccountSID string        // when set, other accounts are refused
	Now        tip.Clock
	IDs        *tip.IDs
	Rand       io.Reader // for reference codes; nil means crypto/rand
	// Attributor credits first messages to a campaign material or campaign;
	// nil: no attribution.
	Attributor *campaign.Attributor
	// Interceptors see every signed, well-formed message before it can become
	// a tip (authority acknowledgements, consent answers…), in order; the first
	// that handles it answers it.
	Interceptors []Interceptor
	// AskConsent, when set, tells whether a tip waits for its reporter's
	// consent before authorities are told (an adult victim, no danger now):
	// the reply then asks for it. Nil never asks.
	AskConsent func(t tip.Triage, text string) bool
	// FloodLimit and FloodWindow are the flood guard: past FloodLimit
	// messages from one reporter within FloodWindow, messages are still
	// stored but neither re-triaged nor answered (0: no guard).
	FloodLimit  int
	FloodWindow time.Duration
	// Metrics records tips, follow-ups, webhook durations, refusals, write
	// retries and triage time; nil records nothing.
	Metrics *metric.Recorder
	// Deadline bounds one webhook, its retries included (0: DefaultDeadline).
	Deadline time.Duration
	// Backoff spaces the retries (zero value: DefaultBackoff).
	Backoff Backoff
}

// DefaultDeadline is well inside the 15 s Twilio waits for an answer, its
// own retry included, so a 503 reaches Twilio while it can still use the
// fallback URL.
const DefaultDeadline = 3 * time.Second

// Interceptor may take over an inbound message. It may take over only a
// message from an authority's number (l.Authority) or a consent answer
// (reply.Book.ConsentAnswer): any other message is written before anything
// is read, and its transaction checks the sender's number. It returns handled=false to
// let the message go on, or the reply text ("" for none) with handled=true.
// l is what the webhook read before (l.Authority: the sender's number is an
// authority's). Errors make the webhook answer 503 so that Twilio retries:
// an interceptor must be idempotent on the MessageSid.
type Interceptor func(ctx context.Context, in twilio.Inbound, reporterKey string, l store.Lookup) (reply string, handled bool, err error)

// Handler answers POST /twilio/messages.
type Handler struct{ d Deps }

// New returns the webhook handler. It does no I/O.
func New(d Deps) *Handler {
	if d.Window == 0 {
		d.Window = config.DefaultWindow
	}
	if d.FloodWindow <= 0 {
		d.FloodWindow = DefaultFloodWindow
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IDs == nil {
		d.IDs = tip.NewIDs(nil)
	}
	if d.Deadline <= 0 {
		d.Deadline = DefaultDeadline
	}
	if d.Backoff == (Backoff{}) {
		d.Backoff = DefaultBackoff
	}
	return &Handler{d: d}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { h.d.Metrics.Duration(metric.WebhookDuration, time.Since(start)) }()
	log := h.d.Log.With("request_id", requestID(r))
	form, rf := h.d.Validator.ReadSigned(w, r, h.d.AccountSID)
	if rf != nil {
		h.d.Metrics.Count(metric.WebhookRefused, 1, metric.Reason(rf.Reason))
		attrs := []any{}
		if rf.Reason == "bad signature" {
			attrs = append(attrs, "validated_url", h.d.Validator.URL(r))
		}
		twilio.Refuse(w, log, "webhook refused", rf, attrs...)
		return
	}
	in, err := twilio.ParseInbound(form)
	if err != nil {
		h.d.Metrics.Count(metric.WebhookRefused, 1, metric.Reason("bad message"))
		twilio.Refuse(w, log, "webhook refused", &twilio.Refusal{Status: http.StatusBadRequest, Reason: err.Error()})
		return
	}
	log = log.With("message_sid", in.MessageSID, "channel", in.Channel)
	ctx, cancel := context.WithTimeout(r.Context(), h.d.Deadline)
	defer cancel()
	twimlOut, err := h.receive(ctx, log, in)
	if err != nil {
		// 503 only: Twilio then requests the fallback URL, and the
		// reconciler finds the message in Twilio's log.
		log.Error("message not stored", "error", err.Error(), "deadline_passed", ctx.Err() != nil)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, twimlOut)
}

// receive stores the message and returns the TwiML reply, trying again
// with capped, jittered backoff while the failure is one that passes
// (a transaction conflict, throttling, a 5xx, a race with the reporter's
// other messages) and the webhook's deadline leaves room for another try.
// Each retry is logged with its reason, never the message.
func (h *Handler) receive(ctx context.Context, log *slog.Logger, in twilio.Inbound) (string, error) {
	reporter := h.d.Contacts.Key(in.From)
	in = maskInbound(in)
	for attempt := 1; ; attempt++ {
		out, err := h.attempt(ctx, log, in, reporter, attempt == 1)
		if err == nil || !retryable(err) {
			return out, err
		}
		wait := h.d.Backoff.Wait(attempt)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return "", tip.E(tip.KindTransient, "intake: receive", fmt.Errorf("deadline near after %d attempts, last: %w", attempt, err))
		}
		log.Info("webhook write retried", "attempt", attempt, "reason", retryReason(err), "wait_ms", wait.Milliseconds())
		h.d.Metrics.Count(metric.StoreRetries, 1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", tip.E(tip.KindTransient, "intake: receive", fmt.Errorf("deadline passed after %d attempts: %w", attempt, err))
		case <-t.C:
		}
	}
}

// attempt is one try at storing the message. The first try of a message
// that no interceptor or keyword can take over writes without reading
// (one round trip when it is a first message with no open conversation);
// the transaction's conditions say when the reporter's state must be read
// after all.
func (h *Handler) attempt(ctx context.Context, log *slog.Logger, in twilio.Inbound, reporter string, first bool) (string, error) {
	var l store.Lookup
	looked := false
	if first && h.unreadEligible(in) {
		var found store.Lookup
		out, err := h.newTip(ctx, log, in, reporter, false, &found)
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, store.ErrDuplicate), errors.Is(err, store.ErrConversationOpen), errors.Is(err, store.ErrNeedsLookup):
			// What the conditions found may be all a read would tell.
			l, looked = found, found.Replayed || found.Conversation != nil
		default:
			return "", err
		}
	}
	if !looked {
		var err error
		if l, err = h.d.Store.Lookup(ctx, in.MessageSID, reporter, in.From); err != nil {
			return "", err
		}
	}
	if l.Replayed {
		log.Info("webhook replayed")
		return l.Reply, nil
	}
	for _, ic := range h.d.Interceptors {
		text, handled, err := ic(ctx, in, reporter, l)
		if err != nil {
			return "", err
		}
		if handled {
			out, err := twilio.Reply(text)
			if err != nil {
				return "", err
			}
			return h.markHandled(ctx, log, in, out), nil
		}
	}
	if ref, lang, ok := h.d.Replies.EraseRequest(in.Body); ok && len(in.Media) == 0 {
		return h.eraseRequest(ctx, log, in, reporter, ref, lang)
	}
	if kw, lang := h.d.Replies.Keyword(in.Body); kw != reply.NoKeyword && len(in.Media) == 0 {
		return h.command(ctx, log, in.MessageSID, reporter, kw, lang)
	}
	var out string
	var err error
	if l.Conversation != nil {
		out, err = h.followUp(ctx, log, in, *l.Conversation, l.OptedOut)
	} else {
		out, err = h.newTip(ctx, log, in, reporter, l.OptedOut, nil)
	}
	if errors.Is(err, store.ErrDuplicate) {
		// A concurrent delivery of the same message won: answer as it did.
		reply, err := h.d.Store.Replay(ctx, in.MessageSID)
		if err == nil {
			log.Info("webhook replayed concurrently")
		}
		return reply, err
	}
	return out, err
}

// unreadEligible reports whether a message may be written before anything
// is read: no keyword (STOP, AYUDA…) and no consent answer (SI, NO), the
// only texts an interceptor or command takes over from a sender whose
// number is no authority's; the transaction itself checks the number.
func (h *Handler) unreadEligible(in twilio.Inbound) bool {
	if kw, _ := h.d.Replies.Keyword(in.Body); kw != reply.NoKeyword {
		return false
	}
	if answer, _ := h.d.Replies.ConsentAnswer(in.Body); answer {
		return false
	}
	if _, _, erase := h.d.Replies.EraseRequest(in.Body); erase {
		return false
	}
	return true
}

// retryable reports whether trying again may store the message.
func retryable(err error) bool {
	return errors.Is(err, store.ErrConversationOpen) || errors.Is(err, store.ErrStale) ||
		errors.Is(err, store.ErrRefTaken) || tip.Is(err, tip.KindTransient)
}

// retryReason names why a write is tried again, for the log: the store's
// errors carry operation and DynamoDB error code, never a message body or
// a number.
func retryReason(err error) string {
	switch {
	case errors.Is(err, store.ErrConversationOpen):
		return "conversation opened meanwhile"
	case errors.Is(err, store.ErrStale):
		return "tip changed meanwhile"
	case errors.Is(err, store.ErrRefTaken):
		return "reference code taken"
	}
	return err.Error()
}

// messageText is the text a message adds to its tip: the body and any
// shared location's label and address, which name the place.
func messageText(in twilio.Inbound) string {
	parts := []string{}
	if b := strings.TrimSpace(in.Body); b != "" {
		parts = append(parts, b)
	}
	if in.Location != nil {
		loc := strings.TrimSpace(strings.Join([]string{in.Location.Label, in.Location.Address}, " "))
		if loc != "" {
			parts = append(parts, loc)
		}
	}
	return strings.Join(parts, "\n")
}

func (h *Handler) message(in twilio.Inbound, now time.Time) *tip.Message {
	return &tip.Message{SID: in.MessageSID, Direction: tip.Inbound, Body: in.Body, Media: in.Media, Location: in.Location, CreatedAt: now}
}

// newTip writes the first message of a conversation. found non-nil:
// nothing was read first, the transaction checks what a Lookup would have,
// and what it found when a condition failed is put in found.
func (h *Handler) newTip(ctx context.Context, log *slog.Logger, in twilio.Inbound, reporter string, optedOut bool, found *store.Lookup) (string, error) {
	now := h.d.Now()
	ref, err := tip.NewRef(h.d.Rand)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reference", err)
	}
	sealed, err := h.d.Contacts.Seal(in.Address(), reporter)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: seal contact", err)
	}
	text := store.BoundText(messageText(in))
	var credit campaign.Attribution
	if h.d.Attributor != nil {
		if credit, err = h.d.Attributor.Attribute(ctx, in.To, text); err != nil {
			return "", err
		}
		text = credit.Text // the material code is not part of what triage reads
	}
	decision := credit.Locate(h.decide(text))
	t := &tip.Tip{
		ID: h.d.IDs.New(now), Ref: ref, Channel: in.Channel, Status: tip.StatusTriaged,
		CampaignID: credit.CampaignID, MaterialID: credit.MaterialID,
		To: in.To, ReporterKey: reporter, Contact: sealed, Text: text, Triage: decision,
		MessageCount: 1, CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1,
	}
	answer := ""
	switch {
	case optedOut:
	case h.d.AskConsent != nil && h.d.AskConsent(decision, text):
		answer = h.d.Replies.FirstAskingConsent(ref, decision)
	default:
		answer = h.d.Replies.First(ref, decision)
	}
	twimlOut, err := twilio.Reply(answer)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reply", err)
	}
	n := store.NewTip{Tip: t, Message: h.message(in, now), Reply: twimlOut, Window: h.d.Window}
	if found != nil {
		var ok bool
		var l store.Lookup
		if l, ok, err = h.d.Store.CreateFirst(ctx, n, in.From); ok {
			*found = l
		}
	} else {
		err = h.d.Store.CreateTip(ctx, n)
	}
	if err != nil {
		return "", err
	}
	h.d.Metrics.Count(metric.TipsReceived, 1, metric.Channel(string(in.Channel)), metric.Urgency(string(decision.Urgency)),
		metric.Region(decision.Region))
	log.Info("tip created", "tip_id", t.ID, "campaign_id", t.CampaignID, "material_id", t.MaterialID,
		"urgency", decision.Urgency, "reportable", decision.Reportable,
		"region", decision.Region, "media", len(in.Media), "opted_out", optedOut)
	return twimlOut, nil
}

func (h *Handler) followUp(ctx context.Context, log *slog.Logger, in twilio.Inbound, c store.Conversation, optedOut bool) (string, error) {
	now := h.d.Now()
	t, err := h.d.Store.Tip(ctx, c.TipID)
	if errors.Is(err, store.ErrErased) {
		// Erased since the lookup, its conversation with it: read again,
		// and the message opens a new tip.
		return "", tip.E(tip.KindTransient, "intake: follow-up of an erased tip", err)
	}
	if err != nil {
		return "", err
	}
	text := t.Text
	if add := messageText(in); add != "" {
		if text != "" {
			text += "\n"
		}
		text += add
	}
	// The tip keeps a bounded text (the whole conversation is in its
	// messages); a re-triage reads the first message and the most recent
	// part of it, and Merge keeps what the stored decision saw in between.
	text = store.BoundText(text)
	burst := c.Burst.Next(now, h.d.FloodWindow)
	if h.d.FloodLimit > 0 && burst.Count > h.d.FloodLimit {
		return h.flooded(ctx, log, in, t, text, burst)
	}
	next := h.decide(h.d.Triage.Window(text))
	decision := triage.Merge(t.Triage, next)
	if next.Region == "" && !slices.Contains(t.Corrected, "region") {
		// The region is still the one taken from the material: say so again.
		decision.Reasons = append(decision.Reasons, locatedBy(t.Reasons)...)
	}
	if len(t.Corrected) > 0 {
		decision = keepCorrections(t, decision, h.d.Triage.Decide(messageText(in)).ImmediateDanger)
	}
	answer := ""
	switch {
	case optedOut:
	case h.d.AskConsent != nil && h.d.AskConsent(decision, text) && !h.d.AskConsent(t.Triage, t.Text):
		// Only now does the conversation read as an adult victim's report.
		answer = h.d.Replies.FollowUpAskingConsent(t.Ref, decision)
	default:
		answer = h.d.Replies.FollowUp(t.Ref, decision)
	}
	twimlOut, err := twilio.Reply(answer)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reply", err)
	}
	fu := store.FollowUp{Tip: t, Text: text, Triage: decision, Message: h.message(in, now), Reply: twimlOut, Window: h.d.Window, Burst: burst}
	err = h.d.Store.AppendMessage(ctx, fu)
	if errors.Is(err, store.ErrTooLarge) {
		// The tip item cannot grow any more: the message is stored all the
		// same, and the tip keeps the text and triage it had.
		log.Warn("tip at its size limit: message stored, tip text unchanged", "tip_id", t.ID, "error", err.Error())
		fu.Text, fu.Triage = t.Text, t.Triage
		err = h.d.Store.AppendMessage(ctx, fu)
	}
	if err != nil {
		return "", err
	}
	h.d.Metrics.Count(metric.FollowUps, 1, metric.Channel(string(in.Channel)))
	log.Info("follow-up stored", "tip_id", t.ID, "urgency", decision.Urgency, "reportable", decision.Reportable,
		"message_count", t.MessageCount+1)
	return twimlOut, nil
}

// command answers a keyword. An opt-out or opt-in is recorded with the
// message's dedupe record in one transaction, so that a replay of it (a
// Twilio retry, a reconcile run) never applies it again over a later one;
// help is answered again on a replay, which changes nothing.
func (h *Handler) command(ctx context.Context, log *slog.Logger, sid, reporter string, kw reply.Keyword, lang string) (string, error) {
	out, err := twilio.Reply(h.d.Replies.Command(kw, lang))
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reply", err)
	}
	switch kw {
	case reply.OptOut, reply.OptIn:
		err := h.d.Store.SetOptOutHandled(ctx, reporter, kw == reply.OptOut, sid, out)
		if errors.Is(err, store.ErrDuplicate) {
			log.Info("webhook replayed")
			return out, nil
		}
		if err != nil {
			return "", err
		}
		log.Info("opt-out recorded", "opted_out", kw == reply.OptOut)
	case reply.Help:
		log.Info("help answered")
	}
	return out, nil
}

// flooded stores a message of a reporter past the flood guard's limit:
// kept with the tip, but the tip's triage stays as it was and no answer
// goes back, so a flood costs no triage and sends no replies.
func (h *Handler) flooded(ctx context.Context, log *slog.Logger, in twilio.Inbound, t *tip.Tip, text string, burst store.Burst) (string, error) {
	twimlOut, err := twilio.Reply("")
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reply", err)
	}
	err = h.d.Store.AppendMessage(ctx, store.FollowUp{Tip: t, Text: text, Triage: t.Triage,
		Message: h.message(in, h.d.Now()), Reply: twimlOut, Window: h.d.Window, Burst: burst})
	if err != nil {
		return "", err
	}
	h.d.Metrics.Count(metric.FloodHeld, 1, metric.Channel(string(in.Channel)))
	log.Warn("flood guard: message stored, not triaged or answered", "tip_id", t.ID, "messages_in_window", burst.Count)
	return twimlOut, nil
}

// decide triages text and records how long the engine took.
func (h *Handler) decide(text string) tip.Triage {
	start := time.Now()
	d := h.d.Triage.Decide(text)
	h.d.Metrics.Duration(metric.TriageDecisionTime, time.Since(start))
	return d
}

// eraseRequest records a reporter's BORRAR <ref> on the tip for staff to
// decide on, when the tip is the sender's own: a phone may be in a
// trafficker's hands, so nothing is erased from a text message alone. The
// answer is the same whether or not the reference is the sender's, so it
// tells a stranger nothing.
func (h *Handler) eraseRequest(ctx context.Context, log *slog.Logger, in twilio.Inbound, reporter, ref, lang string) (string, error) {
	t, err := h.d.Store.TipByRef(ctx, ref)
	switch {
	case err == nil && t.ReporterKey == reporter:
		a := tip.Audit{TipID: t.ID, At: h.d.Now(), Actor: "reporter", Action: "erasure.requested",
			Detail: map[string]string{"message_sid": in.MessageSID}}
		if err := h.d.Store.AddAudit(ctx, a); err != nil {
			return "", err
		}
		log.Info("erasure requested by the reporter", "tip_id", t.ID)
	case err == nil, tip.Is(err, tip.KindNotFound):
		log.Info("erasure request for a reference that is not the sender's")
	default:
		return "", err
	}
	out, err := twilio.Reply(h.d.Replies.EraseAnswer(ref, lang))
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reply", err)
	}
	return out, nil
}

// requestID is the id the edge gave the request (the Lambda request id, or
// one made by the local server).
func requestID(r *http.Request) string { return r.Header.Get("X-Request-Id") }

// keepCorrections puts back, over a re-triage, the fields staff corrected
// by hand: a later "gracias" must not move a tip out of the region staff
// put it in. Urgency staff set stays unless the new message itself shows
// danger now (dangerNow), which always raises it.
func keepCorrections(t *tip.Tip, next tip.Triage, dangerNow bool) tip.Triage {
	for _, f := range t.Corrected {
		switch f {
		case "urgency":
			if !dangerNow {
				next.Urgency, next.ImmediateDanger = t.Urgency, t.ImmediateDanger
			}
		case "category":
			next.Category = t.Category
		case "minor":
			next.Minor = t.Minor
		case "region":
			next.Region = t.Region
		case "place":
			next.Place = t.Place
		}
	}
	next.Reportable = next.Urgency.Reportable()
	return next
}

// maskInbound masks the sender's number in every text of in that can be
// stored: reporters often type their own number ("llámame al 987…") or share
// a location labelled with it, and it must not reach staff or authorities.
func maskInbound(in twilio.Inbound) twilio.Inbound {
	in.Body = MaskSender(in.Body, in.From)
	if in.Location != nil {
		loc := *in.Location
		loc.Label = MaskSender(loc.Label, in.From)
		loc.Address = MaskSender(loc.Address, in.From)
		in.Location = &loc
	}
	return in
}

// markHandled records that a message that is not a tip was handled, so
// that a replay of it does nothing again, and returns its reply. The
// message was handled whatever happens to the record: a failure is logged,
// and the worst a replay then does is apply the same command again.
func (h *Handler) markHandled(ctx context.Context, log *slog.Logger, in twilio.Inbound, out string) string {
	if err := h.d.Store.MarkHandled(ctx, in.MessageSID, out); err != nil && !errors.Is(err, store.ErrDuplicate) {
		log.Warn("handled message not recorded; a replay may handle it again", "error", err.Error())
	}
	return out
}

// locatedBy returns the reasons saying a tip's region came from its
// material or campaign.
func locatedBy(reasons []string) []string {
	var out []string
	for _, r := range reasons {
		if strings.HasPrefix(r, campaign.ReasonPrefix) {
			out = append(out, r)
		}
	}
	return out
}
