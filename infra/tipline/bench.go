package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
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
// latency percentiles. With -dynamodb-endpoint it first measures n bare
// conditional PutItems to that endpoint, c at a time, and prints the
// webhook's figures against them. It refuses hosts other than this machine unless
// -remote is given, and stops after -timeout whatever is left.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", localWebhook(), "webhook URL, as tipline send (default $TIPLINE_API/twilio/messages)")
	n := fs.Int("n", 500, "messages to send (at most 100000)")
	c := fs.Int("c", 8, "messages in flight at once (at most 256)")
	token := fs.String("auth-token", envOr("TWILIO_AUTH_TOKEN", localAuthToken), "auth token that signs the requests")
	timeout := fs.Duration("timeout", 2*time.Minute, "stop after this long")
	remote := fs.Bool("remote", false, "allow a host other than this machine (never point it at a system you do not run)")
	deliveries := fs.Int("deliveries", 1, "deliver each message this many times at once, as a Twilio retry racing the first delivery (1 to 5)")
	endpoint := fs.String("dynamodb-endpoint", "", "DynamoDB endpoint serve uses: first measure a bare conditional PutItem there, as the baseline")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *n < 1 || *n > 100000 || *c < 1 || *c > 256 || *deliveries < 1 || *deliveries > 5 {
		return errors.New("bench: -n must be 1 to 100000, -c 1 to 256 and -deliveries 1 to 5")
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bench: -url %q is not a URL", *target)
	}
	if h := u.Hostname(); !*remote && h != "localhost" && h != "127.0.0.1" && h != "::1" {
		return fmt.Errorf("bench: %s is not this machine; add -remote only for a system you run", h)
	}
	if e, err := url.Parse(*endpoint); *endpoint != "" && (err != nil || e.Host == "") {
		return fmt.Errorf("bench: -dynamodb-endpoint %q is not a URL", *endpoint)
	} else if *endpoint != "" && !*remote && e.Hostname() != "localhost" && e.Hostname() != "127.0.0.1" && e.Hostname() != "::1" {
		return fmt.Errorf("bench: %s is not this machine; add -remote only for a system you run", e.Hostname())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	prefix := hex.EncodeToString(run)
	// Each run sends from its own numbers, so its messages are first ones.
	numbers := int(binary.BigEndian.Uint32(run) % 90000000)

	var put func(context.Context, int) (int, error)
	if *endpoint != "" {
		if put, err = putItemRunner(ctx, *endpoint, prefix); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *c}}
	postOnce := func(ctx context.Context, i int) (int, error) {
		sid := fmt.Sprintf("SMbench%s%024d", prefix, i)
		form := url.Values{"MessageSid": {sid}, "AccountSid": {"AC00000000000000000000000000000000"},
			"From": {fmt.Sprintf("+519%08d", (numbers+i)%100000000)}, "To": {"+51900000000"},
			"Body": {benchBodies[i%len(benchBodies)]}, "NumMedia": {"0"}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(*token, *target, form))
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// post delivers message i -deliveries times at once; any answer but 200
	// is the message's.
	post := func(ctx context.Context, i int) (int, error) {
		if *deliveries == 1 {
			return postOnce(ctx, i)
		}
		type answer struct {
			status int
			err    error
		}
		answers := make(chan answer, *deliveries)
		for range *deliveries {
			go func() { s, err := postOnce(ctx, i); answers <- answer{s, err} }()
		}
		status, err := http.StatusOK, error(nil)
		for range *deliveries {
			a := <-answers
			if a.err != nil {
				err = a.err
			} else if a.status != http.StatusOK {
				status = a.status
			}
		}
		return status, err
	}
	// With a baseline, the two alternate in rounds, so that both see the
	// same load on the machine.
	rounds := 1
	if put != nil {
		rounds = min(4, *n)
	}
	var base, hook *result
	for r := 0; r < rounds; r++ {
		from, to := r**n/rounds, (r+1)**n/rounds
		if put != nil {
			fmt.Fprintf(stderr, "round %d/%d: bare conditional PutItem to %s\n", r+1, rounds, *endpoint)
			base = base.merge(measure(ctx, from, to, *c, stderr, put))
			fmt.Fprintf(stderr, "round %d/%d: webhook %s\n", r+1, rounds, *target)
		}
		hook = hook.merge(measure(ctx, from, to, *c, stderr, post))
	}
	if base != nil {
		base.print(stdout, "PutItem", *c)
	}
	hook.print(stdout, "webhook", *c)
	if base != nil && len(base.lat) > 0 && len(hook.lat) > 0 {
		fmt.Fprintf(stdout, "webhook / PutItem: p50 %.2fx  p99 %.2fx  throughput %.2fx\n",
			float64(hook.pct(0.5))/float64(base.pct(0.5)), float64(hook.pct(0.99))/float64(base.pct(0.99)), hook.rate()/base.rate())
	}
	if hook.failures > 0 || hook.statuses[http.StatusOK] != len(hook.lat) {
		return errors.New("bench: some messages were not answered 200")
	}
	return nil
}

// result is what one measured phase saw.
type result struct {
	lat      []time.Duration
	statuses map[int]int
	failures int
	elapsed  time.Duration
}

func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
}

func (r *result) rate() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

// merge adds the figures of o to r (nil: none yet).
func (r *result) merge(o *result) *result {
	if r == nil {
		return o
	}
	r.lat = append(r.lat, o.lat...)
	slices.Sort(r.lat)
	for k, v := range o.statuses {
		r.statuses[k] += v
	}
	r.failures += o.failures
	r.elapsed += o.elapsed
	return r
}

func (r *result) print(w io.Writer, name string, c int) {
	fmt.Fprintf(w, "%-8s %d in %s (%.1f per second), %d in flight\n", name, len(r.lat)+r.failures, r.elapsed.Round(time.Millisecond), r.rate(), c)
	fmt.Fprintf(w, "%-8s latency p50 %s  p90 %s  p99 %s  max %s\n", name, r.pct(0.5).Round(time.Microsecond), r.pct(0.9).Round(time.Microsecond),
		r.pct(0.99).Round(time.Microsecond), r.pct(1).Round(time.Microsecond))
	fmt.Fprintf(w, "%-8s statuses %v, transport failures %d\n", name, r.statuses, r.failures)
}

// measure runs op for i in from..to-1, c at a time, and records each latency.
func measure(ctx context.Context, from, to, c int, progress io.Writer, op func(context.Context, int) (int, error)) *result {
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	r := &result{statuses: map[int]int{}}
	next.Store(int64(from))
	prog := newProgress(progress, to-from, "sent")
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= to || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				status, err := op(ctx, i)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					r.failures++
				} else {
					r.statuses[status]++
					r.lat = append(r.lat, d)
				}
				prog.report(len(r.lat) + r.failures)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	prog.finish()
	slices.Sort(r.lat)
	return r
}

// putItemRunner returns an operation that writes one small item with a
// bare conditional PutItem (attribute_not_exists) to a table of its own on
// endpoint: the cheapest write DynamoDB offers, for a baseline.
func putItemRunner(ctx context.Context, endpoint, prefix string) (func(context.Context, int) (int, error), error) {
	db, _, err := localdb.Client(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	table := "tipline_bench"
	if err := localdb.Ensure(ctx, db, table); err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) (int, error) {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				"PK":   &types.AttributeValueMemberS{Value: fmt.Sprintf("BENCH#%s#%d", prefix, i)},
				"SK":   &types.AttributeValueMemberS{Value: "BENCH"},
				"body": &types.AttributeValueMemberS{Value: benchBodies[i%len(benchBodies)]},
			},
			ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if err != nil {
			return 0, err
		}
		return http.StatusOK, nil
	}, nil
}
