package alert

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

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

// Interceptor takes over inbound messages from an authority's number
// before they can become tips: an acknowledgement, or anything else, which
// gets a short help text and is never stored. (A reporter's SI/NO is
// consent's interceptor, after this one.) Its signature is intake's
// Interceptor. It is idempotent on a replayed MessageSid: the same
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
		return "", false, nil
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
