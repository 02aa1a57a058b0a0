package main

import (
	"errors"
	"flag"
	"fmt"

	"tipline/shared/staff"
)

// staffModule serves the staff API under /api/ in the local stack. It
// validates tokens itself (signature, expiry, issuer, audience) with the
// local key that `tipline token` signs with; see token.go. Manual forwards
// go through the alerts module's dispatcher and replies through its Twilio
// sender, so both appear in GET /local/outbox with the built-in fake.
type staffModule struct {
	fs      *flag.FlagSet
	keyFile string
}

func (m *staffModule) flags(fs *flag.FlagSet) {
	m.fs = fs
	fs.StringVar(&m.keyFile, "staff-token-key", defaultKeyFile(), "signing key of local staff API tokens (made on first use; tipline token reads it too)")
}

func (m *staffModule) start(s *stack) error {
	key, err := localKey(m.keyFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if s.sender == nil || s.dispatcher == nil {
		return errors.New("serve: the staff API needs the alerts module started before it")
	}
	account, token := s.intake.AccountSID, flagValue(m.fs, "twilio-auth-token")
	if account == "" {
		account = localAccountSID
	}
	h := staff.New(staff.Deps{
		Store:     s.store,
		Auth:      staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience},
		Log:       s.log,
		Contacts:  s.intake.Contacts,
		Sender:    s.sender,
		Forwarder: s.dispatcher,
		Media:     staff.TwilioMedia{AccountSID: account, AuthToken: token, Client: mediaClient(s.fakeURL)},
		MediaKey:  staff.MediaKey(key),
	})
	s.mux.Handle("/api/", h)
	s.log.Info("staff API", "url", s.publicURL+"/api/tips", "token", "go run ./infra/tipline token -role admin")
	return nil
}
