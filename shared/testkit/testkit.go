// Package testkit holds what the tests of several packages share: a settable
// clock, a transport that refuses any host but loopback, a log buffer safe to
// read while it is written, stream records as Lambda delivers them, fresh
// tables on both engines (the embedded one and DynamoDB Local) and a meter of
// the capacity DynamoDB calls consume. Only tests import it.
package testkit

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Start is the time the tests' clocks start at unless they say otherwise.
var Start = time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)

// Clock is a settable clock, safe for concurrent use. A ticking clock moves
// forward by its tick at every reading, as a real clock does between two
// writes (audit entries of one tip are keyed by their time).
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	tick time.Duration
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// NewTickingClock returns a clock at t that moves tick forward at every reading.
func NewTickingClock(t time.Time, tick time.Duration) *Clock { return &Clock{t: t, tick: tick} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.tick)
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// LoopbackOnly is an HTTP transport that refuses any request to a host that
// is not a loopback address, so a test cannot reach the network.
type LoopbackOnly struct{}

// RoundTrip implements http.RoundTripper.
func (LoopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	host, _, err := net.SplitHostPort(r.URL.Host)
	if err != nil {
		host = r.URL.Host
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test refused a request to %s", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// SyncBuffer is a buffer that one goroutine may write (a logger, a server's
// output) while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Bytes returns a copy of what was written so far.
func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// Getenv returns a getenv that reads values, for configuration tests.
func Getenv(values map[string]string) func(string) string {
	return func(name string) string { return values[name] }
}
