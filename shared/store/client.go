package store

import (
	"net"
	"net/http"
	"time"

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
// laptop creates a table in seconds).
func ClientOptions(rt http.RoundTripper, attempt time.Duration) func(*dynamodb.Options) {
	if rt == nil {
		rt = NewTransport()
	}
	if attempt <= 0 {
		attempt = AttemptTimeout
	}
	hc := &http.Client{Transport: rt, Timeout: attempt}
	return func(o *dynamodb.Options) {
		o.HTTPClient = hc
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxBackoff = maxSDKBackoff
		})
	}
}
