// Command initstart measures how long a Lambda function binary takes from
// process start to its first poll of the Runtime API, against a fake
// Runtime API on loopback that never answers the poll. It runs each
// binary several times and prints the median and the ratio to the first
// binary given (build infra/initstart/hello for a hello-world baseline).
//
//	go build -o /tmp/hello ./infra/initstart/hello
//	go build -o /tmp/receive-message ./functions/receive-message
//	go run ./infra/initstart -runs 15 /tmp/hello /tmp/receive-message
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

func main() {
	runs := flag.Int("runs", 11, "starts per binary")
	addr := flag.String("addr", "127.0.0.1:0", "loopback address of the fake Runtime API")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: initstart [-runs N] BASELINE BINARY...")
		os.Exit(2)
	}
	polled := make(chan time.Time, 1)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "initstart:", err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case polled <- time.Now():
		default:
		}
		<-r.Context().Done() // never hand out an invocation
	}))
	var base time.Duration
	for i, bin := range flag.Args() {
		var ds []time.Duration
		for r := 0; r < *runs; r++ {
			d, err := startToPoll(bin, ln.Addr().String(), polled)
			if err != nil {
				fmt.Fprintf(os.Stderr, "initstart: %s: %v\n", bin, err)
				os.Exit(1)
			}
			ds = append(ds, d)
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		med := ds[len(ds)/2]
		if i == 0 {
			base = med
		}
		fmt.Printf("%-22s median %8.2f ms  min %8.2f ms  %5.2fx baseline\n", filepath.Base(bin),
			ms(med), ms(ds[0]), float64(med)/float64(base))
	}
}

// startToPoll starts bin with the Runtime API at api and returns the time
// to its first poll.
func startToPoll(bin, api string, polled chan time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+api, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=tiplinelocal", "AWS_SECRET_ACCESS_KEY=tiplinelocalsecret", "_HANDLER=bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME=initstart", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256")
	cmd.Env = append(cmd.Env, localConfig...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case at := <-polled:
		return at.Sub(start), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("no poll of the Runtime API within 20s")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// localConfig is the configuration every function of template.yaml needs
// to start, with local values (the secrets are the local development ones
// of tipline serve, never real ones).
var localConfig = []string{
	"TABLE_NAME=tipline-initstart", "PUBLIC_BASE_URL=http://localhost:8080", "TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000",
	"TWILIO_AUTH_TOKEN=tiplinelocaltoken", "REPORTER_KEY_SECRET=local-reporter-key-secret-not-for-production",
	"CONTACT_KEY=bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=", "ALERT_FROM=+51900000000",
	"CAMPAIGN_CONTACT=Equipo Tipline +51900000999", "LOG_LEVEL=warn", "ESCALATE_CRITICAL=10m", "ESCALATE_HIGH=1h",
	"JWT_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local", "JWT_AUDIENCE=local",
}
