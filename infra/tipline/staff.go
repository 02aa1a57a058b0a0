package main

import (
	"flag"
	"fmt"

	"tipline/shared/staff"
)

// staffModule serves the staff API under /api/ in the local stack. It
// validates tokens itself (signature, expiry, issuer, audience) with the
// local key that `tipline token` signs with; see token.go.
type staffModule struct {
	keyFile string
}

func (m *staffModule) flags(fs *flag.FlagSet) {
	fs.StringVar(&m.keyFile, "staff-token-key", defaultKeyFile(), "signing key of local staff API tokens (made on first use; tipline token reads it too)")
}

func (m *staffModule) start(s *stack) error {
	key, err := localKey(m.keyFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	h := staff.New(staff.Deps{
		Store:    s.store,
		Auth:     staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience},
		Log:      s.log,
		Contacts: s.intake.Contacts,
		Media:    staff.TwilioMedia{},
		MediaKey: staff.MediaKey(key),
	})
	s.mux.Handle("/api/", h)
	s.log.Info("staff API", "url", s.publicURL+"/api/tips", "token", "go run ./infra/tipline token -role admin")
	return nil
}
