package store

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Timeouts of one DynamoDB request. A webhook has a few seconds in all
// (Twilio waits 15 s, its one retry included); a frozen connection must end
// in time for another attempt and for the 503 that tells Twilio to use the
// fallback URL. DynamoDB answers in milliseconds, a transaction in tens.
const (
	// AttemptTimeout bounds one HTTP attempt, from dial to the whole answer.
	AttemptTimeout = 2 * time.Second
	dialTimeout    = time.Second
	// maxSDKBackoff caps the SDK's own backoff between its attempts (its
	// default is 20 s, longer than any budget of ours).
	maxSDKBackoff = 200 * time.Millisecond
)

// NewTransport returns the HTTP transport for DynamoDB: bounded dial and
// TLS handshake.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = dialTimeout
	t.MaxIdleConnsPerHost = 64
	return t
}

// ClientOptions sets the options every DynamoDB client of the tip line
// uses: the timeouts above, and the SDK's standard retries (throttling,
// 5xx, network errors) with their backoff capped, so that the caller's
// deadline, not the SDK, decides when to give up. rt wraps the transport
// (nil: NewTransport), e.g. to apply DynamoDB's conflict rules locally;
// attempt bounds one attempt (0: AttemptTimeout; DynamoDB Local on a busy
// laptop creates a table in seconds). Each retry of the SDK's is logged on
// log (nil: not logged) with its attempt and error code.
func ClientOptions(rt http.RoundTripper, attempt time.Duration, log *slog.Logger) func(*dynamodb.Options) {
	if rt == nil {
		rt = NewTransport()
	}
	if attempt <= 0 {
		attempt = AttemptTimeout
	}
	hc := &http.Client{Transport: rt, Timeout: attempt}
	return func(o *dynamodb.Options) {
		o.HTTPClient = hc
		var r aws.RetryerV2 = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxBackoff = maxSDKBackoff
		})
		if log != nil {
			r = loggedRetryer{RetryerV2: r, log: log}
		}
		o.Retryer = r
	}
}

// loggedRetryer logs each retry the SDK makes: what was retried, never
// what was sent.
type loggedRetryer struct {
	aws.RetryerV2
	log *slog.Logger
}

// RetryDelay implements aws.Retryer; the SDK asks it just before it waits
// to retry.
func (r loggedRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, e := r.RetryerV2.RetryDelay(attempt, err)
	if e == nil {
		r.log.Info("dynamodb request retried", "attempt", attempt, "reason", errorCode(err), "wait_ms", d.Milliseconds())
	}
	return d, e
}
