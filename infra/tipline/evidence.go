package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"tipline/shared/config"
	"tipline/shared/contact"
	"tipline/shared/evidence"
	"tipline/shared/secret"
)

const evidenceUsage = `usage:
  tipline evidence verify [-public-key KEY] FILE   check an evidence bundle (GET /api/tips/{id}/evidence)
  tipline evidence key                             print the public key bundles are signed with

The key is the deployment's: EVIDENCE_KEY, else derived from
REPORTER_KEY_SECRET (both read from SECRET_ID's secret when it is set; the
local defaults otherwise). A prosecutor given the public key checks with
-public-key. verify names each message whose content is not what was
stored, each break in the chain of messages, each section changed after
signing, and a signature that does not hold.
`

func runEvidence(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "key") {
		fmt.Fprint(stderr, evidenceUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "help") {
			return nil
		}
		return errors.New("evidence: say verify or key")
	}
	fs := flag.NewFlagSet("evidence "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evidenceUsage); fs.PrintDefaults() }
	public := fs.String("public-key", "", "base64 Ed25519 public key to check against (default: this deployment's)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *public == "" {
		k, err := deploymentKey()
		if err != nil {
			return err
		}
		*public = k
	}
	if args[0] == "key" {
		fmt.Fprintln(stdout, *public)
		return nil
	}
	if fs.NArg() != 1 {
		return errors.New("evidence verify: give one bundle file")
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("evidence verify: %w", err)
	}
	b, err := evidence.Parse(raw)
	if err != nil {
		return fmt.Errorf("evidence verify: %s: %w", fs.Arg(0), err)
	}
	problems := evidence.Verify(b, *public)
	if len(problems) == 0 {
		fmt.Fprintf(stdout, "verified: tip %s, %d messages chained, %d alerts, %d audit entries; exported %s by %s, signed by %s\n",
			b.Tip.Ref, len(b.Messages), len(b.Alerts), len(b.Audit), b.GeneratedAt.Format("2006-01-02 15:04:05Z07:00"), b.GeneratedBy, *public)
		return nil
	}
	fmt.Fprintf(stdout, "NOT VERIFIED: %s (tip %s):\n", fs.Arg(0), b.Tip.Ref)
	for _, p := range problems {
		fmt.Fprintln(stdout, "  -", p)
	}
	return fmt.Errorf("evidence verify: %d problems", len(problems))
}

// deploymentKey is the public key of the configured signing key.
func deploymentKey() (string, error) {
	getenv := os.Getenv
	if os.Getenv("SECRET_ID") != "" {
		_, g, err := secret.Load(context.Background(), os.Getenv)
		if err != nil {
			return "", err
		}
		getenv = g
	}
	var seed []byte
	if s := getenv("EVIDENCE_KEY"); s != "" {
		k, err := contact.DecodeKey(s)
		if err != nil {
			return "", fmt.Errorf("EVIDENCE_KEY: %w", err)
		}
		seed = k
	}
	return evidence.PublicKey(evidence.Key(seed, envOrFrom(getenv, "REPORTER_KEY_SECRET", config.LocalReporterSecret))), nil
}

func envOrFrom(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
