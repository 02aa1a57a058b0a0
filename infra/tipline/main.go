// Command tipline is the operator's tool: the whole system on one machine
// (serve), a signed test message (send), the triage engine on the command
// line (triage).
package main

import (
	"fmt"
	"io"
	"os"

	"tipline/shared/config"
)

const usage = `tipline: the tip line's operator command

usage:
  tipline serve  [flags]   run the whole system on one port (embedded DynamoDB by default)
  tipline send   [flags]   sign and post a webhook exactly as Twilio would, print the reply
  tipline triage [-eval FILE]  triage JSON lines from stdin, or score a labelled file
  tipline token  [flags]   print a staff API token for the local stack
  tipline campaign ...     create campaigns and materials from files, write their QR codes
  tipline bench  [flags]   measure the webhook of a running serve: throughput and latency

Run "tipline COMMAND -h" for the flags of a command.
`

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tipline:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "send":
		return runSend(args[1:], stdout, stderr)
	case "triage":
		return runTriage(args[1:], stdin, stdout, stderr)
	case "token":
		return runToken(args[1:], stdout, stderr)
	case "campaign":
		return runCampaign(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// Local defaults: documented in the README, for a laptop only.
const localAuthToken = config.LocalAuthToken

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
