package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"tipline/shared/staff"
)

// consoleTokenTTL is how long the console's local sign-in lasts.
const consoleTokenTTL = 8 * time.Hour

// printSignin writes the console's admin sign-in link to the terminal: it
// holds a token, so it goes to stdout for the person running serve, never
// into a log entry.
func printSignin(w io.Writer, publicURL string, tokens staff.LocalTokens) error {
	tok, err := tokens.Issue("local-admin", staff.RoleAdmin, nil, consoleTokenTTL)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(w, "\nStaff console (admin, valid %s): %s/console/#token=%s\nOther roles and regions: %s/console/local-signin\n\n",
		consoleTokenTTL, publicURL, tok, publicURL)
	return nil
}

// localSignin issues the tokens of /console/local-signin, which the
// console offers to loopback clients only.
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
		return tokens.Issue("local-"+r.String(), r, regions, consoleTokenTTL)
	}
}
