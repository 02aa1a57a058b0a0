package twilio

// Outbound messages through twilio-go's REST client (Messages API,
// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
//
// twilio-go has no retry, no idempotency key and no context: Send makes one
// attempt, bounded by the HTTP timeout and the caller's context, and
// classifies its failure so that the caller decides whether to try again.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	tclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"tipline/shared/tip"
)

// SenderConfig configures outbound messages.
type SenderConfig struct {
	AccountSID string // AC…; letters and digits only
	AuthToken  string // letters and digits only
	// APIURL, when set, is where requests go instead of https://api.twilio.com
	// (the local fake API, a test server): twilio-go's base URL is fixed, so
	// a transport rewrites scheme and host.
	APIURL string
	// Timeout bounds one request (default 10 s, twilio-go's own default).
	Timeout time.Duration
	// Transport carries the requests (default http.DefaultTransport).
	Transport http.RoundTripper
}

var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Sender sends SMS and WhatsApp messages. It is safe for concurrent use.
type Sender struct {
	sid, token string
	target     *url.URL
	timeout    time.Duration
	transport  http.RoundTripper
}

// NewSender checks the configuration and returns a sender. It does no I/O.
// Empty credentials are refused: twilio-go would silently read TWILIO_*
// variables from the environment instead. Credentials must be letters and
// digits, as twilio-go checks before every request.
func NewSender(c SenderConfig) (*Sender, error) {
	var errs []error
	if !alnum.MatchString(c.AccountSID) {
		errs = append(errs, errors.New("account SID is empty or not letters and digits"))
	}
	if !alnum.MatchString(c.AuthToken) {
		errs = append(errs, errors.New("auth token is empty or not letters and digits"))
	}
	s := &Sender{sid: c.AccountSID, token: c.AuthToken, timeout: c.Timeout, transport: c.Transport}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("API URL %q is not an http(s) URL", c.APIURL))
		}
		s.target = u
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("twilio: sender: %w", err)
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.transport == nil {
		s.transport = http.DefaultTransport
	}
	return s, nil
}

// Message is one outbound message. Either Body, or ContentSID with
// ContentVariables (a WhatsApp template, required outside the 24-hour window).
type Message struct {
	From, To         string // E.164, with a whatsapp: prefix for WhatsApp
	Body             string
	ContentSID       string // HX…
	ContentVariables string // JSON object
	StatusCallback   string // where Twilio posts delivery status
}

// SendError is a failed send. Its text never carries Twilio's message,
// which may quote a phone number.
type SendError struct {
	Status    int  // HTTP status; 0 when no response came
	Code      int  // Twilio error code; 0 when none
	Transient bool // trying again later may succeed
	// Unknown: the request may have reached Twilio and been accepted (a
	// timeout or a lost connection): trying again may send the message twice.
	Unknown bool
	reason  string
}

func (e *SendError) Error() string {
	return fmt.Sprintf("status %d, error %d, %s", e.Status, e.Code, e.reason)
}

// Code returns the Twilio error code of a failed send, or 0.
func Code(err error) int {
	var se *SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// Unknown reports whether a failed send may nevertheless have been accepted.
func Unknown(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Unknown
}

// Send sends an SMS (or, with whatsapp: addresses, a WhatsApp session
// message) and returns its MessageSid.
//
// Errors are of kind transient (429, 5xx, 401/403, timeouts, network; try
// again later) or invalid (any other 4xx, such as 21610 opted out, 21211
// invalid number, 63016 outside the WhatsApp window; this recipient cannot
// be reached this way), wrapping a *SendError.
func (s *Sender) Send(ctx context.Context, from, to, body string) (string, error) {
	return s.SendMessage(ctx, Message{From: from, To: to, Body: body})
}

// SendMessage sends m and returns its MessageSid; errors as Send.
func (s *Sender) SendMessage(ctx context.Context, m Message) (string, error) {
	const op = "twilio: send"
	if err := ctx.Err(); err != nil {
		return "", tip.E(tip.KindTransient, op, &SendError{Transient: true, reason: "context done before sending"})
	}
	cl := &tclient.Client{
		Credentials: tclient.NewCredentials(s.sid, s.token),
		HTTPClient:  &http.Client{Timeout: s.timeout, Transport: rewrite{ctx: ctx, target: s.target, next: s.transport}},
	}
	cl.SetAccountSid(s.sid)
	p := &api.CreateMessageParams{}
	p.SetFrom(m.From).SetTo(m.To)
	if m.ContentSID != "" {
		p.SetContentSid(m.ContentSID)
		if m.ContentVariables != "" {
			p.SetContentVariables(m.ContentVariables)
		}
	} else {
		p.SetBody(m.Body)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	msg, err := api.NewApiServiceWithClient(cl).CreateMessage(p)
	if err != nil {
		se := classifySend(err)
		kind := tip.KindInvalid
		if se.Transient {
			kind = tip.KindTransient
		}
		return "", tip.E(kind, op, se)
	}
	if msg == nil || msg.Sid == nil || *msg.Sid == "" {
		// Accepted without an id: treat as unknown, never as a failure to send.
		return "", tip.E(tip.KindTransient, op, &SendError{Status: 201, Transient: true, Unknown: true, reason: "response without a sid"})
	}
	return *msg.Sid, nil
}

// classifySend turns a twilio-go error into a SendError. 429 and 5xx are
// transient, and a 5xx leaves the outcome unknown; so are 401 and 403, a configuration problem that an operator
// fixes, which must not burn through every contact. Other 4xx concern the
// request or the recipient and are permanent.
func classifySend(err error) *SendError {
	var te *tclient.TwilioRestError
	if errors.As(err, &te) {
		se := &SendError{Status: te.Status, Code: te.Code, reason: "twilio refused"}
		se.Transient = te.Status == http.StatusTooManyRequests || te.Status >= 500 ||
			te.Status == http.StatusUnauthorized || te.Status == http.StatusForbidden
		// A 5xx may come after Twilio accepted the message (an error on its
		// side or a proxy's, past the queueing): as after a timeout, whether
		// it went out is unknown.
		se.Unknown = te.Status >= 500
		return se
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return &SendError{Transient: true, Unknown: true, reason: "timeout"}
	}
	if errors.Is(err, context.Canceled) {
		return &SendError{Transient: true, Unknown: true, reason: "cancelled"}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The connection failed; whether the request got through is unknown
		// unless the failure was in dialling.
		var oe *net.OpError
		dial := errors.As(err, &oe) && oe.Op == "dial"
		return &SendError{Transient: true, Unknown: !dial, reason: "network"}
	}
	// An error status whose body is not Twilio's JSON (a proxy's 502 page).
	msg := err.Error()
	if i := strings.Index(msg, "HTTP error code: "); i >= 0 {
		var status int
		fmt.Sscanf(msg[i+len("HTTP error code: "):], "%d", &status)
		return &SendError{Status: status, Transient: status == 429 || status >= 500 || status == 0,
			Unknown: status >= 500 || status == 0, reason: "unreadable error body"}
	}
	return &SendError{Transient: true, Unknown: true, reason: "unexpected client error"}
}

// rewrite carries a request with the caller's context and, when target is
// set, to target's scheme and host instead of api.twilio.com.
type rewrite struct {
	ctx    context.Context
	target *url.URL
	next   http.RoundTripper
}

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(r.ctx)
	if r.target != nil {
		req.URL.Scheme, req.URL.Host, req.Host = r.target.Scheme, r.target.Host, r.target.Host
		req.URL.Path = strings.TrimRight(r.target.Path, "/") + req.URL.Path
	}
	return r.next.RoundTrip(req)
}
