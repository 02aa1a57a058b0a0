package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tipline/shared/staff"
)

// The local stack signs staff tokens (HS256) with a random key kept in the
// user's cache folder, made on first use by serve or token, so the two
// agree on one machine without any setup and no key is published:
//
//	${TIPLINE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tipline}/staff-token.key
//
// In AWS, Cognito signs tokens (RS256) and API Gateway's JWT authorizer
// checks them; this key is never used there.

// defaultKeyFile is the local signing key's path.
func defaultKeyFile() string {
	dir := os.Getenv("TIPLINE_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "tipline")
	}
	return filepath.Join(dir, "staff-token.key")
}

// localKey reads the signing key at path, creating it (32 random bytes,
// readable by the user only) when missing. Concurrent first uses agree: the
// file is created exclusively and a loser reads the winner's key.
func localKey(path string) ([]byte, error) {
	for attempt := 0; attempt < 3; attempt++ {
		if b, err := os.ReadFile(path); err == nil {
			if len(b) < 32 {
				if attempt < 2 {
					time.Sleep(50 * time.Millisecond) // being written by a concurrent first use
					continue
				}
				return nil, fmt.Errorf("token key %s is shorter than 32 bytes: delete it to make a new one", path)
			}
			return b, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("token key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		_, werr := f.Write(key)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("token key: %w", werr)
		}
		return key, nil
	}
	return nil, fmt.Errorf("token key %s could not be read or made", path)
}

func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "staff, supervisor or admin (required)")
	regions := fs.String("regions", "", "comma-separated ISO 3166-2:PE codes the user is limited to, e.g. PE-MDD,PE-CUS (staff without regions see no tip)")
	sub := fs.String("sub", "", "the user's name (default local-<role>)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	keyFile := fs.String("key-file", defaultKeyFile(), "signing key shared with serve (made on first use)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tipline token -role staff|supervisor|admin [-regions PE-MDD,PE-CUS] [-sub NAME] [-ttl 8h]")
		fmt.Fprintln(stderr, "prints a bearer token for the local stack's staff API (/api/)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	r := staff.ParseRole(*role)
	if r == staff.RoleNone {
		return fmt.Errorf("token: -role must be staff, supervisor or admin")
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return fmt.Errorf("token: -ttl must be positive and at most 720h")
	}
	var codes []string
	for _, c := range strings.Split(*regions, ",") {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if !staff.ValidRegion(c) {
			return fmt.Errorf("token: region %q is not an ISO 3166-2:PE code such as PE-MDD", c)
		}
		codes = append(codes, c)
	}
	if *sub == "" {
		*sub = "local-" + r.String()
	}
	key, err := localKey(*keyFile)
	if err != nil {
		return err
	}
	tok, err := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}.Issue(*sub, r, codes, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
