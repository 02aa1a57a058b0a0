package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"tipline/shared/caselink"
	"tipline/shared/console"

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
		Media:     staff.TwilioMedia{AccountSID: account, AuthToken: token},
		MediaKey:  staff.MediaKey(key),
	})
	s.mux.Handle("/api/", h)
	tokens := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}
	con, err := console.New(console.Config{PublicBaseURL: s.publicURL, LocalSignin: localSignin(tokens)})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s.mux.Handle("/console/", con)
	if s.caseLinks.Key != nil {
		page := &caselink.Page{Signer: s.caseLinks, Store: s.store, Ack: s.dispatcher, Log: s.log, MediaLink: h.MediaLink,
			CSS: con.AssetURL("style.css"), CSP: caselink.CSP}
		s.mux.Handle("GET /case/{token}", page)
		s.mux.Handle("POST /case/{token}/ack", page)
	}
	s.mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	admin, err := tokens.Issue("local-admin", staff.RoleAdmin, nil, 8*time.Hour)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("staff API", "url", s.publicURL+"/api/tips", "token", "go run ./infra/tipline token -role admin")
	// The sign-in link holds a token: it goes to the terminal, never to the log.
	fmt.Fprintf(s.stdout, "\nStaff console (admin, valid 8 h): %s/console/#token=%s\nOther roles and regions: %s/console/local-signin\n\n",
		s.publicURL, admin, s.publicURL)
	return nil
}

// localSignin issues tokens for /console/local-signin, which the console
// offers to loopback clients only.
func localSignin(tokens staff.LocalTokens) func(string, []string) (string, error) {
	return func(role string, regions []string) (string, error) {
		r := staff.ParseRole(role)
		if r == staff.RoleNone {
			return "", errors.New("el rol debe ser staff, supervisor o admin")
		}
		for _, c := range regions {
			if !staff.ValidRegion(c) {
				return "", fmt.Errorf("la región %q no es un código ISO 3166-2:PE como PE-MDD", c)
			}
		}
		return tokens.Issue("local-"+r.String(), r, regions, 8*time.Hour)
	}
}
