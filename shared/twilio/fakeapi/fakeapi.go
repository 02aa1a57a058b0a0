// Package fakeapi is a stand-in for Twilio's Messages API: a real HTTP
// server that twilio-go talks to (POST /2010-04-01/Accounts/{sid}/Messages.json
// answers 201 with the message's JSON), recording what would have been
// sent. The local stack lists its outbox at GET /local/outbox; tests queue
// failures (500, 429, timeouts, error codes such as 21610) and read the
// outbox to assert on what was sent.
//
// With a status callback URL and an auth token it also posts signed
// delivery callbacks (sent, then delivered), as Twilio does.
//
// It has the inbound side too (inbound.go): a message "sent by a reporter"
// (POST /local/inbound) is kept in the message log and delivered to the
// messaging webhook once, then to the fallback URL once, as Twilio does.
// The message log, inbound and outbound, is listed as Twilio lists it
// (GET .../Messages.json, messagelog.go).
package fakeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"tipline/shared/twilio"
)

// Message is one message the fake API accepted.
type Message struct {
	SID       string    `json:"sid"`
	To        string    `json:"to"`
	From      string    `json:"from"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	// Direction is Twilio's: outbound-api for messages sent through the
	// API, inbound for messages received (inbound.go).
	Direction        string  `json:"direction,omitempty"`
	Media            []Media `json:"media,omitempty"`
	ContentSID       string  `json:"-"`
	ContentVariables string  `json:"-"`
	StatusCallback   string  `json:"-"`
}

// Failure is what the fake API does to the next request matching To (any
// request when To is empty), Times times (once when 0).
type Failure struct {
	To     string
	Status int // HTTP status of the error answer, e.g. 500, 429, 400
	Code   int // Twilio error code, e.g. 21610
	// Delay holds the answer back, past the client's timeout for a timeout.
	Delay time.Duration
	// Accept records the message as sent although the answer is an error or
	// late: Twilio accepted it but the sender never learnt so.
	Accept bool
	Times  int
}

// Server is the fake API. It is safe for concurrent use.
type Server struct {
	// AccountSID and AuthToken, when set, must match the request's Basic auth.
	AccountSID, AuthToken string
	// Callbacks makes the server post signed status callbacks (sent, then
	// delivered) to each message's StatusCallback URL.
	Callbacks bool
	// Client posts the callbacks (default: a client with a 5 s timeout).
	Client *http.Client
	// Now tells the time (default time.Now).
	Now func() time.Time

	// WebhookURL and FallbackURL are the number's messaging webhook and its
	// fallback, for inbound messages (inbound.go).
	WebhookURL, FallbackURL string

	mu     sync.Mutex
	outbox []Message
	inbox  []Message // inbound messages, oldest first
	// deliveries are the webhook requests made for each inbound message.
	deliveries map[string][]Delivery
	failures   []Failure
	requests   int
	seq        int
	wg         sync.WaitGroup
}

// Fail queues a failure.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.failures = append(s.failures, f)
}

// Outbox returns the accepted messages, oldest first.
func (s *Server) Outbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.outbox...)
}

// Requests is the number of create-message requests received, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Wait waits for the status callbacks in flight.
func (s *Server) Wait() { s.wg.Wait() }

// OutboxHandler serves the outbox as a JSON array.
func (s *Server) OutboxHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := s.Outbox()
		if out == nil {
			out = []Message{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg, Status: status,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)})
}

// ServeHTTP answers the Messages API: create and list messages, list a
// message's media.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/2010-04-01/Accounts/")
	account, tail, _ := strings.Cut(rest, "/")
	media := strings.HasPrefix(tail, "Messages/") && strings.HasSuffix(tail, "/Media.json")
	if !ok || (tail != "Messages.json" && !media) {
		fail(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != account || (s.AccountSID != "" && user != s.AccountSID) || (s.AuthToken != "" && pass != s.AuthToken) {
		fail(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch {
	case r.Method == http.MethodGet && media:
		s.listMedia(w, account, strings.TrimSuffix(strings.TrimPrefix(tail, "Messages/"), "/Media.json"))
	case r.Method == http.MethodGet:
		s.list(w, r, account)
	case r.Method == http.MethodPost && !media:
		s.create(w, r, account)
	default:
		fail(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

// create answers POST .../Messages.json: one outbound message.
func (s *Server) create(w http.ResponseWriter, r *http.Request, account string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		fail(w, http.StatusBadRequest, 20001, "unreadable body")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		fail(w, http.StatusBadRequest, 20001, "malformed form")
		return
	}
	m := Message{To: form.Get("To"), From: form.Get("From"), Body: form.Get("Body"), Status: "queued", Direction: "outbound-api",
		ContentSID: form.Get("ContentSid"), ContentVariables: form.Get("ContentVariables"),
		StatusCallback: form.Get("StatusCallback")}
	switch {
	case m.To == "":
		fail(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case m.From == "":
		fail(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.Body == "" && m.ContentSID == "":
		fail(w, http.StatusBadRequest, 21619, "A text message body or media urls must be specified.")
		return
	}

	s.mu.Lock()
	s.requests++
	var f *Failure
	for i := range s.failures {
		if s.failures[i].To == "" || s.failures[i].To == m.To {
			cp := s.failures[i]
			f = &cp
			if s.failures[i].Times--; s.failures[i].Times <= 0 {
				s.failures = append(s.failures[:i], s.failures[i+1:]...)
			}
			break
		}
	}
	accept := f == nil || f.Accept
	if accept {
		m.SID = s.newSID("SM")
		m.CreatedAt = s.now().UTC()
		s.outbox = append(s.outbox, m)
	}
	s.mu.Unlock()

	if f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			fail(w, f.Status, f.Code, http.StatusText(f.Status))
			return
		}
	}
	if accept && s.Callbacks && m.StatusCallback != "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.callbacks(m)
		}()
	}
	writeJSON(w, http.StatusCreated, resource(account, m))
}

// newSID returns a new SID with prefix (SM for messages, ME for media);
// s.mu must be held.
func (s *Server) newSID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%032x", prefix, s.seq)
}

// callbacks posts "sent" then "delivered" for m, signed like Twilio's.
func (s *Server) callbacks(m Message) {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	for _, status := range []string{"sent", "delivered"} {
		time.Sleep(50 * time.Millisecond)
		form := url.Values{"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
			"AccountSid": {s.AccountSID}, "From": {m.From}, "To": {m.To}, "ApiVersion": {"2010-04-01"}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.StatusCallback, strings.NewReader(form.Encode()))
		if err != nil {
			cancel()
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(s.AuthToken, m.StatusCallback, form))
		resp, err := client.Do(req)
		cancel()
		if err != nil {
			return
		}
		resp.Body.Close()
		s.mu.Lock()
		for i := range s.outbox {
			if s.outbox[i].SID == m.SID {
				s.outbox[i].Status = status
			}
		}
		s.mu.Unlock()
	}
}
