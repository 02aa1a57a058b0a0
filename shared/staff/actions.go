package staff

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"tipline/shared/tip"
)

// WhatsAppWindow is how long after a reporter's last message WhatsApp lets
// us answer with free text (a template is needed afterwards).
// https://www.twilio.com/docs/whatsapp/key-concepts#the-24-hour-window-or-24-hour-session
const WhatsAppWindow = 24 * time.Hour

// maxReply is the longest reply: Twilio's limit for one message body.
const maxReply = 1600

// forward sends the tip to an authority through the alert pipeline.
func (h *Handler) forward(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	var b struct {
		AuthorityID string `json:"authority_id"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	b.AuthorityID = strings.TrimSpace(b.AuthorityID)
	if b.AuthorityID == "" || len(b.AuthorityID) > 64 {
		return invalid("authority_id is required")
	}
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.Status == tip.StatusSpam {
		return fail(http.StatusConflict, "spam", "this tip is marked as spam: change its status before forwarding it")
	}
	if h.d.Forwarder == nil {
		return fail(http.StatusServiceUnavailable, "unavailable", "forwarding is not available on this deployment")
	}
	if err := h.d.Forwarder.Forward(ctx, t.ID, b.AuthorityID, p.Actor()); err != nil {
		if tip.Is(err, tip.KindNotFound) {
			return fail(http.StatusNotFound, "not_found", "no authority with id %q", b.AuthorityID)
		}
		if tip.Is(err, tip.KindInvalid) {
			return invalid("this tip cannot be forwarded to %q", b.AuthorityID)
		}
		return err
	}
	h.log(ctx).Info("tip forwarded by hand", "tip_id", t.ID, "authority_id", b.AuthorityID)
	writeJSON(w, http.StatusAccepted, map[string]string{"tip_id": t.ID, "authority_id": b.AuthorityID, "status": "forwarding"})
	return nil
}

// reply sends a message to the reporter, within the rules: never to a
// reporter who opted out, never on WhatsApp outside the 24-hour window,
// never when no number is kept (anonymous mode).
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	var b struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	body := strings.TrimSpace(b.Body)
	if body == "" {
		return invalid("body is required")
	}
	if n := utf8.RuneCountInString(body); n > maxReply {
		return invalid("body is %d characters long; the most is %d", n, maxReply)
	}
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.replyRefusal(ctx, t); err != nil {
		return err
	}
	now := h.d.Now()
	if h.d.Sender == nil {
		return fail(http.StatusServiceUnavailable, "unavailable", "replies are not available on this deployment")
	}
	to, err := h.d.Contacts.Open(t.Contact, t.ReporterKey)
	if err != nil {
		return tip.E(tip.KindInternal, "staff: reply: open contact", err)
	}
	sid, err := h.d.Sender.Send(ctx, t.To, to, body)
	if err != nil {
		h.log(ctx).Warn("reply not sent", "tip_id", t.ID, "kind", tip.KindOf(err).String())
		return fail(http.StatusBadGateway, "send_failed", "Twilio did not accept the message; nothing was sent")
	}
	m := &tip.Message{SID: sid, Direction: tip.Outbound, Body: body, CreatedAt: now}
	if err := h.d.Store.AddOutbound(ctx, t.ID, m, tip.Audit{At: now, Actor: p.Actor(), Action: "reply",
		Detail: map[string]string{"message_sid": sid, "channel": string(t.Channel)}}); err != nil {
		// Twilio has the message, so a retry would reach the reporter (whose
		// phone someone else may watch) a second time: answer an error that
		// says not to retry, never a 503, and leave the SID in the logs so
		// the message can be recorded by hand. No body, no number.
		h.log(ctx).Error("reply sent but not recorded", "tip_id", t.ID, "message_sid", sid, "error", err.Error())
		return fail(http.StatusInternalServerError, "sent_not_recorded",
			"the message was sent but not recorded; do not send it again (message SID %s)", sid)
	}
	h.log(ctx).Info("reply sent", "tip_id", t.ID, "message_sid", sid)
	writeJSON(w, http.StatusCreated, messageView{SID: sid, Direction: tip.Outbound, Body: body, CreatedAt: now, Media: []mediaView{}})
	return nil
}

// replyRefusal says why the reporter of t cannot be answered now (an API
// error of kind conflict), or nil when a reply may go: never to a reporter
// who opted out, never on WhatsApp outside the 24-hour window, never when
// no number is kept (anonymous mode).
func (h *Handler) replyRefusal(ctx context.Context, t *tip.Tip) error {
	if h.d.Contacts == nil || h.d.Contacts.Anonymous() || len(t.Contact) == 0 {
		return fail(http.StatusConflict, "no_contact", "this tip keeps no number to answer (anonymous mode)")
	}
	out, err := h.d.Store.OptedOut(ctx, t.ReporterKey)
	if err != nil {
		return err
	}
	if out {
		return fail(http.StatusConflict, "opted_out", "the reporter asked not to receive messages")
	}
	if t.Channel == tip.WhatsApp && h.d.Now().Sub(t.LastInbound) > WhatsAppWindow {
		return fail(http.StatusConflict, "outside_whatsapp_window",
			"WhatsApp allows free-text replies only within 24 hours of the reporter's last message")
	}
	return nil
}

// replyState is whether the detail's reader may answer the reporter now,
// and if not why, as POST /reply would refuse.
type replyState struct {
	Allowed bool   `json:"allowed"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

func (h *Handler) replyStateOf(ctx context.Context, t *tip.Tip) (replyState, error) {
	err := h.replyRefusal(ctx, t)
	var ae *apiError
	switch {
	case err == nil:
		return replyState{Allowed: true}, nil
	case errors.As(err, &ae):
		return replyState{Code: ae.code, Message: ae.message}, nil
	}
	return replyState{}, err
}
