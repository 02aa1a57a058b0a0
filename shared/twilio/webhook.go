// Package twilio speaks Twilio's messaging webhooks: it checks their
// signatures with twilio-go's request validator, parses their fields and
// builds TwiML replies. See https://www.twilio.com/docs/messaging/guides/webhook-request
// and https://www.twilio.com/docs/usage/webhooks/webhooks-security.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	tclient "github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/twiml"

	"tipline/shared/tip"
)

// SignatureHeader carries Twilio's signature of a webhook request.
const SignatureHeader = "X-Twilio-Signature"

// Validator checks webhook signatures against the public URL Twilio calls.
type Validator struct {
	rv   tclient.RequestValidator
	base string
}

// NewValidator returns a validator for requests signed with authToken and sent
// to publicBase (scheme and host, optionally a path prefix, no trailing slash).
func NewValidator(authToken, publicBase string) *Validator {
	return &Validator{rv: tclient.NewRequestValidator(authToken), base: strings.TrimRight(publicBase, "/")}
}

// URL is the URL Twilio signed for r: the public base, the path and the raw
// query exactly as received.
func (v *Validator) URL(r *http.Request) string {
	u := v.base + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// Valid reports whether body (the decoded form body of r) carries a valid
// signature. A missing signature is invalid.
func (v *Validator) Valid(r *http.Request, body []byte) bool {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return false
	}
	return v.rv.ValidateBody(v.URL(r), body, sig)
}

// Sign computes the signature Twilio sends for a form POST of params to
// fullURL, for the operator's send command and for tests. Validation always
// goes through twilio-go's validator.
func Sign(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Inbound is an incoming SMS or WhatsApp message. ProfileName, WaID and From
// are personal data: never log them.
type Inbound struct {
	MessageSID  string
	AccountSID  string
	Channel     tip.Channel
	From        string // E.164, without the whatsapp: prefix
	To          string // our number as Twilio gives it, prefix included
	Body        string
	Media       []tip.Media
	Location    *tip.Location
	ProfileName string
	WaID        string
}

// MaxMedia bounds the media references read from one message (Twilio sends at most 10).
const MaxMedia = 10

// ParseInbound reads a messaging webhook form. Every text is made valid
// UTF-8 here, at the edge (invalid bytes become U+FFFD, as DynamoDB would
// refuse them and a CSV must not carry them); the signature was checked on
// the bytes as sent. Errors are of kind invalid.
func ParseInbound(form url.Values) (Inbound, error) {
	const op = "twilio: parse inbound"
	form = validUTF8(form)
	in := Inbound{
		MessageSID:  form.Get("MessageSid"),
		AccountSID:  form.Get("AccountSid"),
		To:          form.Get("To"),
		Body:        form.Get("Body"),
		ProfileName: form.Get("ProfileName"),
		WaID:        form.Get("WaId"),
		Channel:     tip.SMS,
	}
	if in.MessageSID == "" {
		in.MessageSID = form.Get("SmsMessageSid")
	}
	if in.MessageSID == "" {
		return in, tip.Errorf(tip.KindInvalid, op, "MessageSid missing")
	}
	from := form.Get("From")
	if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
		in.Channel, from = tip.WhatsApp, rest
	}
	if !tip.ValidE164(from) {
		return in, tip.Errorf(tip.KindInvalid, op, "From is not an E.164 number")
	}
	in.From = from
	if in.To == "" {
		return in, tip.Errorf(tip.KindInvalid, op, "To missing")
	}
	n := 0
	if s := form.Get("NumMedia"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 0 {
			return in, tip.Errorf(tip.KindInvalid, op, "NumMedia %q is not a count", s)
		}
	}
	for i := 0; i < n && i < MaxMedia; i++ {
		u := form.Get("MediaUrl" + strconv.Itoa(i))
		if u == "" {
			continue
		}
		in.Media = append(in.Media, tip.Media{URL: u, ContentType: form.Get("MediaContentType" + strconv.Itoa(i))})
	}
	if lat, lon := form.Get("Latitude"), form.Get("Longitude"); lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
			return in, tip.Errorf(tip.KindInvalid, op, "Latitude/Longitude out of range")
		}
		in.Location = &tip.Location{Latitude: la, Longitude: lo, Address: form.Get("Address"), Label: form.Get("Label")}
	}
	return in, nil
}

// validUTF8 returns form with every value valid UTF-8.
func validUTF8(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, vs := range form {
		k = strings.ToValidUTF8(k, "\uFFFD")
		for _, v := range vs {
			out[k] = append(out[k], strings.ToValidUTF8(v, "\uFFFD"))
		}
	}
	return out
}

// Address is how Twilio addresses the reporter on the message's channel.
func (in Inbound) Address() string {
	if in.Channel == tip.WhatsApp {
		return "whatsapp:" + in.From
	}
	return in.From
}

// Reply renders TwiML that answers with body, or an empty response when
// body is empty.
func Reply(body string) (string, error) {
	if body == "" {
		return twiml.Messages(nil)
	}
	return twiml.Messages([]twiml.Element{&twiml.MessagingMessage{Body: body}})
}

// MaxBody is the largest webhook body accepted (Twilio's are a few KiB).
const MaxBody = 64 << 10

// Refusal is why a webhook request is not taken: the HTTP status to answer
// and a reason for the log (never a value from the request).
type Refusal struct {
	Status int
	Reason string
}

// ReadSigned reads a Twilio webhook: a POST of a form no larger than
// MaxBody, signed for the public URL, from accountSID when it is not empty.
// It returns the form, or the refusal to answer (405, 415, 413, 400, 403).
func (v *Validator) ReadSigned(w http.ResponseWriter, r *http.Request, accountSID string) (url.Values, *Refusal) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &Refusal{http.StatusMethodNotAllowed, "method not allowed"}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &Refusal{http.StatusUnsupportedMediaType, "unsupported content type"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Refusal{http.StatusRequestEntityTooLarge, "body too large"}
		}
		return nil, &Refusal{http.StatusBadRequest, "body unreadable"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &Refusal{http.StatusBadRequest, "malformed form"}
	}
	if !v.Valid(r, body) {
		return nil, &Refusal{http.StatusForbidden, "bad signature"}
	}
	if accountSID != "" && form.Get("AccountSid") != accountSID {
		return nil, &Refusal{http.StatusForbidden, "other account"}
	}
	return form, nil
}

// Refuse answers a refused webhook request and logs why.
func Refuse(w http.ResponseWriter, log *slog.Logger, msg string, rf *Refusal, attrs ...any) {
	log.Info(msg, append([]any{"reason", rf.Reason, "status", rf.Status}, attrs...)...)
	http.Error(w, http.StatusText(rf.Status), rf.Status)
}
