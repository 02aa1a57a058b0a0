package twilio

// Reading Twilio's message log through twilio-go
// (https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources),
// so that the reconciler can find inbound messages whose webhook failed.

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"tipline/shared/tip"
)

// Logged is one inbound message of Twilio's message log.
type Logged struct {
	SID, AccountSID string
	From, To        string // as Twilio gives them, whatsapp: prefix included
	Body            string
	Media           []tip.Media
	DateSent        time.Time
}

// Form is the webhook form Twilio posted (or meant to post) for the
// message, so that it goes through ParseInbound like any webhook.
func (m Logged) Form() url.Values {
	f := url.Values{"MessageSid": {m.SID}, "SmsMessageSid": {m.SID}, "SmsSid": {m.SID}, "AccountSid": {m.AccountSID},
		"From": {m.From}, "To": {m.To}, "Body": {m.Body}, "NumMedia": {strconv.Itoa(len(m.Media))},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"}}
	for i, md := range m.Media {
		f.Set("MediaUrl"+strconv.Itoa(i), md.URL)
		f.Set("MediaContentType"+strconv.Itoa(i), md.ContentType)
	}
	if wa, ok := strings.CutPrefix(m.From, "whatsapp:"); ok {
		f.Set("WaId", strings.TrimPrefix(wa, "+"))
	}
	return f
}

// logPage is the page size of log reads: Twilio's largest.
const logPage = 1000

// InboundTo lists the inbound messages sent to the address to (a number,
// or whatsapp:+… for WhatsApp) on or after since, most recent first, at
// most limit of them. Media references are read for messages that have any.
//
// Errors are of kind transient (429, 5xx, network, credentials) or invalid,
// wrapping a *SendError.
func (s *Sender) InboundTo(ctx context.Context, to string, since time.Time, limit int) ([]Logged, error) {
	const op = "twilio: read message log"
	if err := ctx.Err(); err != nil {
		return nil, tip.E(tip.KindTransient, op, &SendError{Transient: true, reason: "context done before reading"})
	}
	svc := api.NewApiServiceWithClient(s.client(ctx))
	p := &api.ListMessageParams{}
	p.SetTo(to).SetDateSentAfter(since.UTC()).SetPageSize(logPage)
	if limit > 0 {
		p.SetLimit(limit)
	}
	msgs, err := svc.ListMessage(p)
	if err != nil {
		return nil, s.readError(op, err)
	}
	var out []Logged
	for _, m := range msgs {
		if deref(m.Direction) != "inbound" {
			continue
		}
		l := Logged{SID: deref(m.Sid), AccountSID: deref(m.AccountSid), From: deref(m.From), To: deref(m.To), Body: deref(m.Body)}
		if t, err := time.Parse(time.RFC1123Z, deref(m.DateSent)); err == nil {
			l.DateSent = t.UTC()
		} else if t, err := time.Parse(time.RFC1123Z, deref(m.DateCreated)); err == nil {
			l.DateSent = t.UTC()
		}
		if n, _ := strconv.Atoi(deref(m.NumMedia)); n > 0 {
			media, err := svc.ListMedia(l.SID, &api.ListMediaParams{})
			if err != nil {
				return nil, s.readError(op, err)
			}
			for _, md := range media {
				l.Media = append(l.Media, tip.Media{URL: s.base() + strings.TrimSuffix(deref(md.Uri), ".json"), ContentType: deref(md.ContentType)})
			}
		}
		out = append(out, l)
	}
	return out, nil
}

func (s *Sender) readError(op string, err error) error {
	se := classifySend(err)
	kind := tip.KindInvalid
	if se.Transient {
		kind = tip.KindTransient
	}
	return tip.E(kind, op, se)
}

// base is where media URLs point: Twilio, or the API URL that replaces it.
func (s *Sender) base() string {
	if s.target != nil {
		return strings.TrimRight(s.target.String(), "/")
	}
	return "https://api.twilio.com"
}

// client is a twilio-go client carrying ctx.
func (s *Sender) client(ctx context.Context) *tclient.Client {
	cl := &tclient.Client{
		Credentials: tclient.NewCredentials(s.sid, s.token),
		HTTPClient:  &http.Client{Timeout: s.timeout, Transport: rewrite{ctx: ctx, target: s.target, next: s.transport}},
	}
	cl.SetAccountSid(s.sid)
	return cl
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ReplyText returns the message bodies of a TwiML reply made by Reply, so
// that a reply the webhook could not give can be sent through the API.
//
// Errors: invalid, for a body that is not TwiML.
func ReplyText(twimlDoc string) ([]string, error) {
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []struct {
			Body  string `xml:",chardata"`
			Inner struct {
				Text string `xml:",chardata"`
			} `xml:"Body"`
		} `xml:"Message"`
	}
	if err := xml.Unmarshal([]byte(twimlDoc), &doc); err != nil {
		return nil, tip.E(tip.KindInvalid, "twilio: read reply", err)
	}
	var out []string
	for _, m := range doc.Messages {
		text := strings.TrimSpace(m.Body + m.Inner.Text)
		if text != "" {
			out = append(out, text)
		}
	}
	return out, nil
}
