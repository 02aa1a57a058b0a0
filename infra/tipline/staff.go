package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"tipline/shared/alert"
	"tipline/shared/reply"
	"tipline/shared/staff"
	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

// staffModule serves the staff API under /api/ in the local stack. It
// validates tokens itself (signature, expiry, issuer, audience) with the
// local key that `tipline token` signs with; see token.go. Manual forwards
// write alerts that the alerts module's sweep sends. Replies go to the
// Twilio API of -twilio-api-url, or to a built-in fake whose outbox is
// GET /local/replies.
type staffModule struct {
	fs      *flag.FlagSet
	keyFile string
}

// staffLocalAccount is the fake API's account (letters and digits, as
// twilio-go requires).
const staffLocalAccount = "AC00000000000000000000000000000000"

func (m *staffModule) flags(fs *flag.FlagSet) {
	m.fs = fs
	fs.StringVar(&m.keyFile, "staff-token-key", defaultKeyFile(), "signing key of local staff API tokens (made on first use; tipline token reads it too)")
}

// flag reads another module's flag ("" when it does not exist).
func (m *staffModule) flag(name string) string {
	if f := m.fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func (m *staffModule) duration(name string) time.Duration {
	d, _ := time.ParseDuration(m.flag(name))
	return d
}

func (m *staffModule) start(s *stack) error {
	key, err := localKey(m.keyFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	texts, err := alert.LoadTexts()
	if err != nil {
		return err
	}
	book, err := reply.Load()
	if err != nil {
		return err
	}
	critical, high := m.duration("escalate-after"), m.duration("escalate-high-after")
	if high <= 0 {
		high = 6 * critical
	}
	fwd := alert.New(alert.Config{EscalateCritical: critical, EscalateHigh: high, Lease: 30 * time.Second},
		alert.Deps{Store: s.store, Texts: texts, Replies: book, Log: s.log})

	account, token := s.intake.AccountSID, m.flag("twilio-auth-token")
	if account == "" {
		account = staffLocalAccount
	}
	apiURL := m.flag("twilio-api-url")
	if apiURL == "" {
		fake := &fakeapi.Server{AccountSID: account, AuthToken: token}
		if apiURL, err = serveLoopback(s, fake); err != nil {
			return err
		}
		s.mux.Handle("GET /local/replies", fake.OutboxHandler())
	}
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: account, AuthToken: token, APIURL: apiURL})
	if err != nil {
		return fmt.Errorf("serve: staff replies: %w", err)
	}
	h := staff.New(staff.Deps{
		Store:     s.store,
		Auth:      staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience},
		Log:       s.log,
		Contacts:  s.intake.Contacts,
		Sender:    sender,
		Forwarder: fwd,
		Media:     staff.TwilioMedia{AccountSID: account, AuthToken: token},
		MediaKey:  staff.MediaKey(key),
	})
	s.mux.Handle("/api/", h)
	s.log.Info("staff API", "url", s.publicURL+"/api/tips", "token", "go run ./infra/tipline token -role admin",
		"replies", s.publicURL+"/local/replies")
	return nil
}

// serveLoopback serves h on a loopback port until shutdown and returns its URL.
func serveLoopback(s *stack, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("serve: fake Twilio API for replies: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		go func() {
			<-s.ctx.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fake Twilio API for replies stopped", "error", err.Error())
		}
	}()
	return "http://" + ln.Addr().String(), nil
}
