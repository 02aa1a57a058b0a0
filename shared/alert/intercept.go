package alert

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"tipline/shared/metric"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// ackPattern is an acknowledgement: OK, RECIBIDO or ACK and a reference,
// as normalize leaves it (lower case, no accents, words split by spaces).
var ackPattern = regexp.MustCompile(`^(ok|okay|recibido|recibi|ack|confirmado|conforme)\s+([a-z0-9]{6})\b`)

// ParseAck returns the reference of an acknowledgement message, or "".
func ParseAck(body string) string {
	m := ackPattern.FindStringSubmatch(normalize(body))
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[2])
}

// Interceptor takes over inbound messages before they can become tips:
// every message from an authority's number (an acknowledgement, or
// anything else, which gets a short help text and is never stored), and a
// reporter's SI/NO while their tip waits for consent. Its signature is
// intake's Interceptor. It is idempotent on a replayed MessageSid: the same
// message finds the same state and gets the same answer.
//
// l is what the webhook already read: when it checked the sender's number
// (l.PhoneChecked) no second read is made.
func (x *Dispatcher) Interceptor() func(ctx context.Context, in twilio.Inbound, reporterKey string, l store.Lookup) (string, bool, error) {
	return func(ctx context.Context, in twilio.Inbound, reporterKey string, l store.Lookup) (string, bool, error) {
		if !l.PhoneChecked {
			authorityID, contact, err := x.d.Store.AuthorityByPhone(ctx, in.From)
			switch {
			case err == nil:
				l.Authority = &store.AuthorityPhone{AuthorityID: authorityID, Contact: contact}
			case !tip.Is(err, tip.KindNotFound):
				return "", false, err
			}
		}
		if l.Authority != nil {
			text, err := x.authorityMessage(ctx, in, l.Authority.AuthorityID, l.Authority.Contact)
			return text, true, err
		}
		answer, yes := x.d.Replies.ConsentAnswer(in.Body)
		if !answer || len(in.Media) > 0 {
			return "", false, nil
		}
		return x.consentAnswer(ctx, in, reporterKey, yes)
	}
}

// authorityMessage answers a message from an authority's number.
func (x *Dispatcher) authorityMessage(ctx context.Context, in twilio.Inbound, authorityID string, contact int) (string, error) {
	log := x.d.Log.With("authority_id", authorityID, "contact", contact, "message_sid", in.MessageSID)
	ref := ParseAck(in.Body)
	if ref == "" {
		log.Info("authority message answered with help, not stored")
		return x.d.Texts.AuthorityHelp, nil
	}
	unknown := strings.ReplaceAll(x.d.Texts.AckUnknown, "{ref}", ref)
	t, err := x.d.Store.TipByRef(ctx, ref)
	if tip.Is(err, tip.KindNotFound) {
		log.Info("acknowledgement of an unknown reference")
		return unknown, nil
	}
	if err != nil {
		return "", err
	}
	log = log.With("tip_id", t.ID)
	alerts, err := x.d.Store.Alerts(ctx, t.ID)
	if err != nil {
		return "", err
	}
	if !slices.ContainsFunc(alerts, func(a tip.Alert) bool { return a.AuthorityID == authorityID }) {
		// Only an authority that was alerted may acknowledge; others learn nothing.
		log.Info("acknowledgement from an authority not alerted for this tip")
		return unknown, nil
	}
	if err := x.Acknowledge(ctx, t.ID, authorityID, in.MessageSID); err != nil {
		return "", err
	}
	log.Info("tip acknowledged")
	return strings.ReplaceAll(x.d.Texts.AckConfirm, "{ref}", ref), nil
}

// Acknowledge records that authorityID confirmed a tip: the tip becomes
// acknowledged (unless staff closed it) and its route stops escalating;
// alerts not yet sent are cancelled when their turn comes. Acknowledging
// again changes nothing.
//
// Errors: not found, transient.
func (x *Dispatcher) Acknowledge(ctx context.Context, tipID, authorityID, messageSID string) error {
	actor := "authority:" + authorityID
	detail := map[string]string{"authority": authorityID, "message_sid": messageSID}
	for attempt := 0; ; attempt++ {
		if attempt == retries {
			return tip.Errorf(tip.KindTransient, "alert: acknowledge "+tipID, "gave up after repeated conflicts")
		}
		t, err := x.d.Store.Tip(ctx, tipID)
		if err != nil {
			return err
		}
		if t.Status == tip.StatusAcknowledged || t.Status == tip.StatusClosed || t.Status == tip.StatusSpam {
			break
		}
		t.Status = tip.StatusAcknowledged
		err = x.d.Store.SaveTip(ctx, t, x.audit(actor, "acknowledged", detail))
		if err == nil {
			x.d.Metrics.Count(metric.AlertsAcknowledged, 1, metric.Urgency(string(t.Urgency)))
			x.d.Metrics.Duration(metric.TipToAcknowledgement, x.d.Now().Sub(t.CreatedAt), metric.Urgency(string(t.Urgency)))
			break
		}
		if !errors.Is(err, store.ErrStale) {
			return err
		}
	}
	for attempt := 0; attempt < retries; attempt++ {
		r, err := x.d.Store.Route(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.State == tip.RouteAcknowledged {
			return nil
		}
		r.State, r.AckBy, r.AckAt, r.EscalateAt = tip.RouteAcknowledged, authorityID, x.d.Now(), time.Time{}
		err = x.d.Store.SaveRoute(ctx, &r, x.audit(actor, "escalation.stopped", detail))
		if !errors.Is(err, store.ErrStale) {
			return err
		}
	}
	return tip.Errorf(tip.KindTransient, "alert: acknowledge "+tipID, "gave up after repeated conflicts")
}

// consentAnswer records a reporter's SI or NO when a tip of theirs waits
// for consent: the tip of their open conversation, or the one whose
// question they were last asked (recorded for days, as the answer may come
// after the conversation closed). Otherwise the message goes on as an
// ordinary one.
func (x *Dispatcher) consentAnswer(ctx context.Context, in twilio.Inbound, reporterKey string, yes bool) (string, bool, error) {
	var ids []string
	conv, err := x.d.Store.OpenConversation(ctx, reporterKey)
	switch {
	case err == nil:
		ids = append(ids, conv.TipID)
	case !tip.Is(err, tip.KindNotFound):
		return "", false, err
	}
	asked, err := x.d.Store.ConsentQuestion(ctx, reporterKey)
	switch {
	case err == nil && !slices.Contains(ids, asked):
		ids = append(ids, asked)
	case err != nil && !tip.Is(err, tip.KindNotFound):
		return "", false, err
	}
	for _, id := range ids {
		reply, handled, err := x.consentAnswerFor(ctx, in, id, yes)
		if err != nil || handled {
			return reply, handled, err
		}
	}
	return "", false, nil
}

// consentAnswerFor records the answer for tipID when its route waits for
// consent (or got the same answer before: a replay).
func (x *Dispatcher) consentAnswerFor(ctx context.Context, in twilio.Inbound, tipID string, yes bool) (string, bool, error) {
	log := x.d.Log.With("tip_id", tipID, "message_sid", in.MessageSID)
	for attempt := 0; attempt < retries; attempt++ {
		r, err := x.d.Store.Route(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		t, err := x.d.Store.Tip(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		reply := x.d.Replies.ConsentReply(yes, t.Ref, t.Language)
		switch {
		case r.State == tip.RouteAwaitingConsent, r.State == tip.RouteDeclined && yes:
		case r.Consent == "yes" && yes, r.Consent == "no" && !yes:
			return reply, true, nil // a replay, or the same answer again
		default:
			return "", false, nil // no question pending: an ordinary message
		}
		action := "consent.refused"
		r.State, r.Consent = tip.RouteDeclined, "no"
		if yes {
			action = "consent.granted"
			r.State, r.Consent = tip.RouteConsented, "yes"
		}
		err = x.d.Store.SaveRoute(ctx, &r, x.audit("reporter", action, map[string]string{"message_sid": in.MessageSID}))
		if errors.Is(err, store.ErrStale) {
			continue
		}
		if err != nil {
			return "", false, err
		}
		log.Info("consent answer recorded", "consent", r.Consent)
		if yes {
			// Touch the tip: its stream record brings it to the dispatcher
			// at once (the sweep would find it in the triaged queue anyway).
			if err := x.touch(ctx, t); err != nil {
				log.Warn("tip not touched after consent; the sweep dispatches it", "error", err.Error())
			}
		}
		return reply, true, nil
	}
	return "", false, tip.Errorf(tip.KindTransient, "alert: consent "+tipID, "gave up after repeated conflicts")
}

func (x *Dispatcher) touch(ctx context.Context, t *tip.Tip) error {
	for attempt := 0; attempt < retries; attempt++ {
		err := x.d.Store.SaveTip(ctx, t)
		if !errors.Is(err, store.ErrStale) {
			return err
		}
		if t, err = x.d.Store.Tip(ctx, t.ID); err != nil {
			return err
		}
	}
	return nil
}
