package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tipline/shared/twilio"
)

// benchBodies are the texts bench sends, from greetings to critical tips,
// so triage works as it does on real traffic.
var benchBodies = []string{
	"hola, buenas noches",
	"en el bar de la pampa km 108 hay chicas menores atendiendo a mineros, no las dejan salir",
	"una agencia en lima ofrece trabajo en chile, piden el dni y un adelanto",
	"mi prima de 16 se fue a trabajar a juliaca y ahora no contesta, le quitaron el celular",
	"gracias por la informacion",
	"auxilio me tienen encerrada en un cuarto en iquitos, me quitaron mis papeles",
}

// runBench measures the webhook from outside: it signs and posts n first
// messages from distinct numbers, c at a time, and prints throughput and
// latency percentiles. It refuses hosts other than this machine unless
// -remote is given, and stops after -timeout whatever is left.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", localWebhook(), "webhook URL (as tipline send)")
	n := fs.Int("n", 500, "messages to send (at most 100000)")
	c := fs.Int("c", 8, "messages in flight at once (at most 256)")
	token := fs.String("auth-token", envOr("TWILIO_AUTH_TOKEN", localAuthToken), "auth token that signs the requests")
	timeout := fs.Duration("timeout", 2*time.Minute, "stop after this long")
	remote := fs.Bool("remote", false, "allow a host other than this machine (never point it at a system you do not run)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *n < 1 || *n > 100000 || *c < 1 || *c > 256 {
		return errors.New("bench: -n must be 1 to 100000 and -c 1 to 256")
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bench: -url %q is not a URL", *target)
	}
	if h := u.Hostname(); !*remote && h != "localhost" && h != "127.0.0.1" && h != "::1" {
		return fmt.Errorf("bench: %s is not this machine; add -remote only for a system you run", h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	prefix := hex.EncodeToString(run)
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *c}}

	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		statuses = map[int]int{}
		failures int
		wg       sync.WaitGroup
	)
	prog := newProgress(stderr, *n, "sent")
	start := time.Now()
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *n || ctx.Err() != nil {
					return
				}
				sid := fmt.Sprintf("SMbench%s%024d", prefix, i)
				form := url.Values{"MessageSid": {sid}, "AccountSid": {"AC00000000000000000000000000000000"},
					"From": {fmt.Sprintf("+5197%07d", i)}, "To": {"+51900000000"},
					"Body": {benchBodies[i%len(benchBodies)]}, "NumMedia": {"0"}}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *target, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set(twilio.SignatureHeader, twilio.Sign(*token, *target, form))
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					failures++
				} else {
					statuses[resp.StatusCode]++
					lat = append(lat, d)
				}
				prog.report(len(lat) + failures)
				mu.Unlock()
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	prog.finish()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Fprintf(stdout, "messages %d in %s (%.1f per second), %d in flight\n", len(lat)+failures, elapsed.Round(time.Millisecond),
		float64(len(lat))/elapsed.Seconds(), *c)
	fmt.Fprintf(stdout, "latency p50 %s  p90 %s  p99 %s  max %s\n", pct(0.5).Round(time.Microsecond), pct(0.9).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Fprintf(stdout, "statuses %v, transport failures %d\n", statuses, failures)
	if failures > 0 || statuses[http.StatusOK] != len(lat) {
		return errors.New("bench: some messages were not answered 200")
	}
	return nil
}
