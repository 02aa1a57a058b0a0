// Package intake is the inbound tip line: the handler behind Twilio's
// messaging webhook. It checks the signature, stores every message exactly
// once as a new tip or as a follow-up of the reporter's open conversation,
// triages the whole conversation and answers in TwiML.
package intake

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"tipline/shared/campaign"

	"tipline/shared/contact"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

// DefaultWindow is how long follow-up texts join the open tip.
const DefaultWindow = 2 * time.Hour

// Deps are what the handler needs. All are required except Now, IDs, Rand.
type Deps struct {
	Store      *store.Store
	Triage     *triage.Engine
	Replies    *reply.Book
	Contacts   *contact.Keeper
	Validator  *twilio.Validator
	Log        *slog.Logger
	Window     time.Duration // 0 means DefaultWindow
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
}

// Interceptor may take over an inbound message. It returns handled=false to
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
		d.Window = DefaultWindow
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IDs == nil {
		d.IDs = tip.NewIDs(nil)
	}
	return &Handler{d: d}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.d.Log.With("request_id", requestID(r))
	form, rf := h.d.Validator.ReadSigned(w, r, h.d.AccountSID)
	if rf != nil {
		attrs := []any{}
		if rf.Reason == "bad signature" {
			attrs = append(attrs, "validated_url", h.d.Validator.URL(r))
		}
		twilio.Refuse(w, log, "webhook refused", rf, attrs...)
		return
	}
	in, err := twilio.ParseInbound(form)
	if err != nil {
		twilio.Refuse(w, log, "webhook refused", &twilio.Refusal{Status: http.StatusBadRequest, Reason: err.Error()})
		return
	}
	log = log.With("message_sid", in.MessageSID, "channel", in.Channel)
	twimlOut, err := h.receive(r.Context(), log, in)
	if err != nil {
		log.Error("message not stored", "error", err.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, twimlOut)
}

// receive stores the message and returns the TwiML reply. One batch read
// (replay, open conversation, opt-out, authority number) comes first, so a
// first message costs two round trips: that read and one transaction.
func (h *Handler) receive(ctx context.Context, log *slog.Logger, in twilio.Inbound) (string, error) {
	reporter := h.d.Contacts.Key(in.From)
	// Reporters often type their own number ("llámame al 987…"); it must not
	// reach staff or authorities through the text.
	in.Body = MaskSender(in.Body, in.From)
	l, err := h.d.Store.Lookup(ctx, in.MessageSID, reporter, in.From)
	if err != nil {
		return "", err
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
			return twilio.Reply(text)
		}
	}
	if kw, lang := h.d.Replies.Keyword(in.Body); kw != reply.NoKeyword && len(in.Media) == 0 {
		return h.command(ctx, log, reporter, kw, lang)
	}
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			if l, err = h.d.Store.Lookup(ctx, in.MessageSID, reporter, ""); err != nil {
				return "", err
			}
			if l.Replayed {
				log.Info("webhook replayed")
				return l.Reply, nil
			}
		}
		var out string
		if l.Conversation != nil {
			out, err = h.followUp(ctx, log, in, *l.Conversation, l.OptedOut)
		} else {
			out, err = h.newTip(ctx, log, in, reporter, l.OptedOut)
		}
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, store.ErrDuplicate):
			// A concurrent delivery of the same message won: answer as it did.
			reply, err := h.d.Store.Replay(ctx, in.MessageSID)
			if err == nil {
				log.Info("webhook replayed concurrently")
			}
			return reply, err
		case errors.Is(err, store.ErrConversationOpen), errors.Is(err, store.ErrStale),
			errors.Is(err, store.ErrRefTaken), tip.Is(err, tip.KindTransient):
			log.Info("write raced, trying again", "attempt", attempt+1, "reason", err.Error())
			continue
		default:
			return "", err
		}
	}
	return "", tip.Errorf(tip.KindTransient, "intake: receive", "gave up after repeated conflicts")
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

func (h *Handler) newTip(ctx context.Context, log *slog.Logger, in twilio.Inbound, reporter string, optedOut bool) (string, error) {
	now := h.d.Now()
	ref, err := tip.NewRef(h.d.Rand)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: reference", err)
	}
	sealed, err := h.d.Contacts.Seal(in.Address(), reporter)
	if err != nil {
		return "", tip.E(tip.KindInternal, "intake: seal contact", err)
	}
	text := messageText(in)
	var credit campaign.Attribution
	if h.d.Attributor != nil {
		if credit, err = h.d.Attributor.Attribute(ctx, in.To, text); err != nil {
			return "", err
		}
		text = credit.Text // the material code is not part of what triage reads
	}
	decision := credit.Locate(h.d.Triage.Decide(text))
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
	err = h.d.Store.CreateTip(ctx, store.NewTip{Tip: t, Message: h.message(in, now), Reply: twimlOut, Window: h.d.Window})
	if err != nil {
		return "", err
	}
	log.Info("tip created", "tip_id", t.ID, "campaign_id", t.CampaignID, "material_id", t.MaterialID,
		"urgency", decision.Urgency, "reportable", decision.Reportable,
		"region", decision.Region, "media", len(in.Media), "opted_out", optedOut)
	return twimlOut, nil
}

func (h *Handler) followUp(ctx context.Context, log *slog.Logger, in twilio.Inbound, c store.Conversation, optedOut bool) (string, error) {
	now := h.d.Now()
	t, err := h.d.Store.Tip(ctx, c.TipID)
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
	next := h.d.Triage.Decide(text)
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
	err = h.d.Store.AppendMessage(ctx, store.FollowUp{Tip: t, Text: text, Triage: decision,
		Message: h.message(in, now), Reply: twimlOut, Window: h.d.Window})
	if err != nil {
		return "", err
	}
	log.Info("follow-up stored", "tip_id", t.ID, "urgency", decision.Urgency, "reportable", decision.Reportable,
		"message_count", t.MessageCount+1)
	return twimlOut, nil
}

func (h *Handler) command(ctx context.Context, log *slog.Logger, reporter string, kw reply.Keyword, lang string) (string, error) {
	switch kw {
	case reply.OptOut, reply.OptIn:
		if err := h.d.Store.SetOptOut(ctx, reporter, kw == reply.OptOut); err != nil {
			return "", err
		}
		log.Info("opt-out recorded", "opted_out", kw == reply.OptOut)
	case reply.Help:
		log.Info("help answered")
	}
	out, err := twilio.Reply(h.d.Replies.Command(kw, lang))
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

// SenderMask replaces the sender's own number in a message.
const SenderMask = "[número del remitente]"

// digitRun is a run of digits that may be split by spaces, dots or dashes,
// with an optional leading +: how people write phone numbers.
var digitRun = regexp.MustCompile(`\+?\d[\d .\-]{5,}\d`)

// MaskSender replaces, in text, every way of writing the E.164 number from
// (with or without country code, spaced or not) by SenderMask. Other
// numbers, such as a trafficker's, are kept: they are what police need.
func MaskSender(text, from string) string {
	full := strings.TrimPrefix(from, "+")
	if len(full) < 8 {
		return text
	}
	national := full
	if strings.HasPrefix(full, "51") {
		national = full[2:] // Peru: country code 51, nine-digit mobiles
	}
	return digitRun.ReplaceAllStringFunc(text, func(run string) string {
		d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, run)
		if d == full || d == national || d == "00"+full {
			return SenderMask
		}
		return run
	})
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
