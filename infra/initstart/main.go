// Command initstart measures how long a Lambda function binary takes from
// process start to its first poll of the Runtime API, against a fake
// Runtime API on loopback that never answers the poll. It runs each
// binary several times and prints the median and the ratio to the first
// binary given (build infra/initstart/hello for a hello-world baseline).
// The runs take the binaries in turn, so that a change in the machine's
// load falls on all of them alike; beside the clock time it prints the CPU
// time each process used until it was stopped after its poll (it does
// nothing after the poll but wait), which other processes on a loaded
// machine disturb less, and the load average before and after.
//
// Each binary starts with an environment like Lambda's: its own variables
// and a local configuration, not the caller's environment. A variable of
// the caller's can change what is measured: AWS_CA_BUNDLE, set on some
// development machines, makes the AWS SDK parse a whole certificate bundle
// at every start (about 3 ms), which no Lambda does. -host-env passes the
// caller's environment too, to compare.
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
	"slices"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 11, "starts per binary")
	addr := flag.String("addr", "127.0.0.1:0", "loopback address of the fake Runtime API")
	hostEnv := flag.Bool("host-env", false, "start the binaries with this process's environment too, not only Lambda's variables")
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
	fmt.Printf("load average before: %s; environment: %s\n", loadAverage(), map[bool]string{false: "Lambda's variables", true: "this process's and Lambda's"}[*hostEnv])
	bins := flag.Args()
	wall := make([][]time.Duration, len(bins))
	cpu := make([][]time.Duration, len(bins))
	for r := 0; r < *runs; r++ {
		for i, bin := range bins {
			w, c, err := startToPoll(bin, env(ln.Addr().String(), *hostEnv), polled)
			if err != nil {
				fmt.Fprintf(os.Stderr, "initstart: %s: %v\n", bin, err)
				os.Exit(1)
			}
			wall[i], cpu[i] = append(wall[i], w), append(cpu[i], c)
		}
	}
	var base, baseCPU time.Duration
	for i, bin := range bins {
		med, least, medCPU := median(wall[i]), slices.Min(wall[i]), median(cpu[i])
		if i == 0 {
			base, baseCPU = med, medCPU
		}
		fmt.Printf("%-22s median %8.2f ms  min %8.2f ms  %5.2fx baseline   cpu median %7.2f ms  %5.2fx\n", filepath.Base(bin),
			ms(med), ms(least), float64(med)/float64(base), ms(medCPU), float64(medCPU)/float64(baseCPU))
	}
	fmt.Printf("load average after: %s\n", loadAverage())
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// env is the environment of a binary under test, with the Runtime API at
// api: the variables Lambda sets and the local configuration, after the
// caller's environment when host is set.
func env(api string, host bool) []string {
	var e []string
	if host {
		e = os.Environ()
	}
	e = append(e, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=en_US.UTF-8", "TZ=:UTC", "LAMBDA_TASK_ROOT=/var/task",
		"AWS_LAMBDA_RUNTIME_API="+api, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=tiplinelocal", "AWS_SECRET_ACCESS_KEY=tiplinelocalsecret", "_HANDLER=bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME=initstart", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256")
	return append(e, localConfig...)
}

// startToPoll starts bin with the environment env and returns the time to
// its first poll and the CPU time (user and system) the process used,
// stopped right after that poll.
func startToPoll(bin string, env []string, polled chan time.Time) (wall, cpu time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = env
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	select {
	case at := <-polled:
		wall = at.Sub(start)
	case <-ctx.Done():
		err = fmt.Errorf("no poll of the Runtime API within 20s")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if st := cmd.ProcessState; st != nil {
		cpu = st.UserTime() + st.SystemTime()
	}
	return wall, cpu, err
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
