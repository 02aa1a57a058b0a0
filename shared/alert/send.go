package alert

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"tipline/shared/metric"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// SendAlert sends one alert if it is due: it claims the alert (pending and
// due, or a claim that expired), sends it through Twilio and records the
// message SID. A transient failure puts it back with a backoff; a permanent
// one (opted out, invalid number, outside the WhatsApp window) or too many
// attempts fail it and alert the authority's next contact. An alert of an
// acknowledged tip is cancelled unsent. An alert that is not claimable
// (sent, claimed by another worker, not due yet) is left alone.
//
// Between Twilio accepting the message and the SID being recorded, a crash
// or a lost answer leaves the claim to expire, and the alert is sent again:
// the one window in which a contact can be alerted twice.
//
// Errors: transient (the claim expires and a sweep sends it later).
func (x *Dispatcher) SendAlert(ctx context.Context, k tip.AlertKey) error {
	if x.d.Messenger == nil {
		return tip.Errorf(tip.KindInternal, "alert: send "+k.String(), "no messenger configured")
	}
	a, err := x.d.Store.ClaimAlert(ctx, k, x.c.Lease)
	if errors.Is(err, store.ErrNotClaimable) {
		return nil
	}
	if err != nil {
		return err
	}
	log := x.d.Log.With("tip_id", k.TipID, "authority_id", k.AuthorityID, "contact", k.Contact, "tier", a.Tier, "attempt", a.Attempts)
	r, err := x.d.Store.Route(ctx, k.TipID)
	if err != nil && !tip.Is(err, tip.KindNotFound) {
		return err // the claim expires; the sweep tries again
	}
	if r.State == tip.RouteAcknowledged {
		if err := x.d.Store.AlertCancelled(ctx, k, a.Attempts); err != nil {
			return ignoreLost(err)
		}
		log.Info("alert cancelled: tip acknowledged")
		return x.auditAlert(ctx, a, "alert.cancelled", nil)
	}
	t, err := x.d.Store.Tip(ctx, k.TipID)
	if errors.Is(err, store.ErrErased) {
		// An admin erased the tip: nothing is left to send.
		if err := x.d.Store.AlertCancelled(ctx, k, a.Attempts); err != nil {
			return ignoreLost(err)
		}
		log.Info("alert cancelled: tip erased")
		return nil
	}
	if err != nil {
		return err
	}
	m := x.message(t, a)
	sid, sendErr := x.d.Messenger.SendMessage(ctx, m)
	if sendErr == nil {
		a.Channel = tip.SMS // the channel actually used
		if strings.HasPrefix(m.To, "whatsapp:") {
			a.Channel = tip.WhatsApp
		}
		return x.recordSent(ctx, log, t, a, sid)
	}
	code := twilio.Code(sendErr)
	if tip.Is(sendErr, tip.KindTransient) && a.Attempts < x.c.MaxAttempts {
		next := x.d.Now().Add(x.backoff(a.Attempts))
		if err := x.d.Store.AlertRetry(ctx, k, a.Attempts, next, code); err != nil {
			return ignoreLost(err)
		}
		log.Warn("alert send failed, will retry", "error_code", code, "outcome_unknown", twilio.Unknown(sendErr),
			"next_attempt_at", next, "reason", sendErr.Error())
		return x.auditAlert(ctx, a, "alert.retry", map[string]string{"error_code": strconv.Itoa(code),
			"outcome_unknown": strconv.FormatBool(twilio.Unknown(sendErr)), "next_attempt_at": next.UTC().Format("2006-01-02T15:04:05Z")})
	}
	if err := x.d.Store.AlertFailed(ctx, k, a.Attempts, code); err != nil {
		return ignoreLost(err)
	}
	log.Warn("alert failed: trying the next contact", "error_code", code, "reason", sendErr.Error())
	x.d.Metrics.Count(metric.AlertsFailed, 1, metric.Channel(string(a.Channel)))
	if err := x.auditAlert(ctx, a, "alert.failed", map[string]string{"error_code": strconv.Itoa(code)}); err != nil {
		return err
	}
	a.Status = tip.AlertFailed
	return x.nextContact(ctx, a)
}

// recordSent stores the SID of an accepted alert. Twilio has the message:
// whatever happens here must not send it again while the claim holds, so
// storage errors are retried in place before giving up.
func (x *Dispatcher) recordSent(ctx context.Context, log *slog.Logger, t *tip.Tip, a tip.Alert, sid string) error {
	var err error
	for i := 0; i < 3; i++ {
		if err = x.d.Store.AlertSentVia(ctx, a.Key(), a.Attempts, sid, a.Channel); err == nil || !tip.Is(err, tip.KindTransient) {
			break
		}
	}
	if errors.Is(err, store.ErrClaimLost) {
		// The lease ran out during the send: another worker may have sent it too.
		log.Error("alert sent after its claim expired: possible duplicate", "message_sid", sid)
		return x.auditAlert(ctx, a, "alert.sent_late", map[string]string{"sid": sid})
	}
	if err != nil {
		log.Error("alert sent but its SID not recorded: it will be sent again when the claim expires", "message_sid", sid, "error", err.Error())
		return err
	}
	log.Info("alert sent", "message_sid", sid, "channel", a.Channel)
	x.sentMetrics(ctx, t, a)
	return x.auditAlert(ctx, a, "alert.sent", map[string]string{"sid": sid, "channel": string(a.Channel)})
}

// sentMetrics counts a sent alert and, when it is the tip's first, the
// time from the tip to it. The extra read is made only with metrics on.
func (x *Dispatcher) sentMetrics(ctx context.Context, t *tip.Tip, a tip.Alert) {
	if x.d.Metrics == nil {
		return
	}
	x.d.Metrics.Count(metric.AlertsSent, 1, metric.Channel(string(a.Channel)))
	alerts, err := x.d.Store.Alerts(ctx, t.ID)
	if err != nil {
		return
	}
	sent := 0
	for _, o := range alerts {
		if o.SID != "" {
			sent++
		}
	}
	if sent == 1 {
		x.d.Metrics.Duration(metric.TipToFirstAlert, x.d.Now().Sub(t.CreatedAt), metric.Urgency(string(t.Urgency)))
	}
}

// ignoreLost treats a lost claim as done: the alert belongs to another worker.
func ignoreLost(err error) error {
	if errors.Is(err, store.ErrClaimLost) {
		return nil
	}
	return err
}

func (x *Dispatcher) auditAlert(ctx context.Context, a tip.Alert, action string, detail map[string]string) error {
	return x.d.Store.AddAudit(ctx, x.alertAudit(a, action, detail))
}

// alertAudit is the audit entry of an alert's event.
func (x *Dispatcher) alertAudit(a tip.Alert, action string, detail map[string]string) tip.Audit {
	if detail == nil {
		detail = map[string]string{}
	}
	detail["authority"] = a.AuthorityID
	detail["contact"] = strconv.Itoa(a.Contact)
	detail["tier"] = strconv.Itoa(a.Tier)
	detail["attempt"] = strconv.Itoa(a.Attempts)
	return tip.Audit{TipID: a.TipID, At: x.stamp(), Actor: "system", Action: action, Detail: detail}
}

// message builds the Twilio message of an alert: the composed text by SMS,
// or for a WhatsApp contact the approved template when one is configured
// (by SMS to the same number otherwise).
func (x *Dispatcher) message(t *tip.Tip, a tip.Alert) twilio.Message {
	m := twilio.Message{From: x.c.From, To: a.Address}
	if x.c.StatusCallbackURL != "" {
		m.StatusCallback = x.c.StatusCallbackURL + "?" + url.Values{"alert": {a.Key().String()}}.Encode()
	}
	if a.Channel == tip.WhatsApp && x.c.WhatsAppContentSID != "" && x.c.WhatsAppFrom != "" {
		vars, _ := json.Marshal(map[string]string{
			"1": t.Ref, "2": x.d.Texts.Urgency[string(t.Urgency)], "3": ToGSM(x.d.Texts.placeOf(t)), "4": x.c.CampaignContact,
		})
		m.From, m.To = "whatsapp:"+x.c.WhatsAppFrom, "whatsapp:"+a.Address
		m.ContentSID, m.ContentVariables = x.c.WhatsAppContentSID, string(vars)
		return m
	}
	link := ""
	if x.c.CaseLink != nil {
		link = x.c.CaseLink(a)
	}
	m.Body = x.d.Texts.ComposeWithLink(t, x.c.CampaignContact, link)
	return m
}
