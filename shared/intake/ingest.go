package intake

import (
	"context"
	"log/slog"

	"tipline/shared/twilio"
)

// Ingested is what Ingest did with one message.
type Ingested struct {
	// Stored: this call stored or handled the message (a new tip, a
	// follow-up, a keyword, an authority's acknowledgement); it was not
	// before.
	Stored bool
	// TipID is the tip the message belongs to, when it became part of one.
	TipID string
	// Reply is the text of the reply the webhook would have answered, one
	// entry per message ("" entries never), when stored.
	Reply []string
	// OptedOut: the sender asked not to get messages.
	OptedOut bool
}

// Ingest takes a message that reached Twilio but whose webhook failed, read
// from Twilio's message log, through the webhook's own path: the same
// dedupe on MessageSid, conversation, triage and interceptors. A message
// stored or handled before changes nothing and is reported not stored:
// messages that never become tips (opt-out and help keywords, authority
// acknowledgements, consent answers) are recorded by MessageSid too, so an
// opt-out read again never undoes a later opt-in.
//
// The reply is returned, not sent: the caller decides whether it is still
// worth sending. A webhook delivery of the same message racing this call
// may make both report the message as theirs; callers leave the webhook
// time to run first (the reconciler reads only messages a minute old).
//
// Errors: transient (nothing stored; try again), internal.
func (h *Handler) Ingest(ctx context.Context, log *slog.Logger, in twilio.Inbound) (Ingested, error) {
	reporter := h.d.Contacts.Key(in.From)
	before, err := h.d.Store.Lookup(ctx, in.MessageSID, reporter, "")
	if err != nil {
		return Ingested{}, err
	}
	if before.Replayed {
		return Ingested{OptedOut: before.OptedOut}, nil
	}
	out, err := h.receive(ctx, log.With("message_sid", in.MessageSID, "channel", in.Channel), in)
	if err != nil {
		return Ingested{}, err
	}
	after, err := h.d.Store.Lookup(ctx, in.MessageSID, reporter, "")
	if err != nil {
		return Ingested{}, err
	}
	res := Ingested{Stored: after.Replayed, OptedOut: after.OptedOut}
	if !res.Stored {
		return res, nil
	}
	if after.Conversation != nil {
		res.TipID = after.Conversation.TipID
	}
	res.Reply, err = twilio.ReplyText(out)
	return res, err
}
