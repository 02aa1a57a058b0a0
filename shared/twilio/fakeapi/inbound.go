package fakeapi

// The inbound side: a message a reporter sends to a campaign number.
// POST /local/inbound (form fields From, To, Body, optional MediaUrl0 and
// MediaContentType0) keeps the message in the log under a new SID, answers
// {"sid":"SM…"}, then delivers the signed webhook as Twilio does: once to
// WebhookURL, and when that fails (no answer, or a status outside 2xx) once
// to FallbackURL, with ErrorCode and ErrorUrl added. Never again: Twilio
// does not retry an inbound webhook after a 5xx
// (https://www.twilio.com/docs/usage/security/availability-reliability).

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tipline/shared/twilio"
)

// Delivery is what became of one webhook request of an inbound message.
type Delivery struct {
	URL    string `json:"url"`
	Status int    `json:"status"` // HTTP status; 0 when no answer came
}

// Deliveries returns the webhook requests made for the inbound message
// sid, in order (the webhook, then the fallback if it was tried).
func (s *Server) Deliveries(sid string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries[sid]...)
}

// Inbox returns the inbound messages, oldest first.
func (s *Server) Inbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.inbox...)
}

// InboundHandler answers POST /local/inbound.
func (s *Server) InboundHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			fail(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			fail(w, http.StatusBadRequest, 20001, "malformed form")
			return
		}
		m, err := s.Receive(r.PostForm.Get("From"), r.PostForm.Get("To"), r.PostForm.Get("Body"),
			r.PostForm.Get("MediaUrl0"), r.PostForm.Get("MediaContentType0"))
		if err != nil {
			fail(w, http.StatusBadRequest, 21602, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"sid": m.SID})
	})
}

type inboundError string

func (e inboundError) Error() string { return string(e) }

// Receive records an inbound message from → to and delivers its webhook
// in the background (Wait waits for it). mediaURL may be empty.
func (s *Server) Receive(from, to, body, mediaURL, mediaType string) (Message, error) {
	switch {
	case from == "":
		return Message{}, inboundError("From is required")
	case to == "":
		return Message{}, inboundError("To is required")
	case body == "" && mediaURL == "":
		return Message{}, inboundError("Body or MediaUrl0 is required")
	}
	if mediaURL != "" && mediaType == "" {
		mediaType = "image/jpeg"
	}
	s.mu.Lock()
	m := Message{SID: s.newSID("SM"), From: from, To: to, Body: body, Status: "received", Direction: "inbound", CreatedAt: s.now().UTC()}
	if mediaURL != "" {
		m.Media = []Media{{SID: s.newSID("ME"), URL: mediaURL, ContentType: mediaType}}
	}
	s.inbox = append(s.inbox, m)
	if s.deliveries == nil {
		s.deliveries = map[string][]Delivery{}
	}
	account := s.AccountSID
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliver(m, account)
	}()
	return m, nil
}

// webhookForm is the form Twilio posts for an inbound message.
func webhookForm(m Message, account string) url.Values {
	f := url.Values{"MessageSid": {m.SID}, "SmsMessageSid": {m.SID}, "SmsSid": {m.SID}, "AccountSid": {account},
		"From": {m.From}, "To": {m.To}, "Body": {m.Body}, "NumMedia": {strconv.Itoa(len(m.Media))},
		"NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"}}
	for i, md := range m.Media {
		f.Set("MediaUrl"+strconv.Itoa(i), md.URL)
		f.Set("MediaContentType"+strconv.Itoa(i), md.ContentType)
	}
	if wa, ok := strings.CutPrefix(m.From, "whatsapp:"); ok {
		f.Set("WaId", strings.TrimPrefix(wa, "+"))
	}
	return f
}

// deliver posts the webhook, then the fallback once if the webhook failed.
func (s *Server) deliver(m Message, account string) {
	if s.WebhookURL == "" {
		return
	}
	form := webhookForm(m, account)
	status := s.post(m.SID, s.WebhookURL, form)
	if status >= 200 && status < 300 || s.FallbackURL == "" {
		return
	}
	// 11200: HTTP retrieval failure, as Twilio reports it to the fallback.
	form.Set("ErrorCode", "11200")
	form.Set("ErrorUrl", s.WebhookURL)
	s.post(m.SID, s.FallbackURL, form)
}

// post makes one signed webhook request and records its outcome: Twilio
// waits 15 s at most for the answer.
func (s *Server) post(sid, target string, form url.Values) int {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	status := 0
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(s.AuthToken, target, form))
		if resp, err := client.Do(req); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
	}
	s.mu.Lock()
	s.deliveries[sid] = append(s.deliveries[sid], Delivery{URL: target, Status: status})
	s.mu.Unlock()
	return status
}
