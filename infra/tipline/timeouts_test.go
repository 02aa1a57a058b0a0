package main

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that sends its body slowly, or never, loses its connection:
// serve never holds one for ever.
func TestSlowBodiesDoNotHoldConnections(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 100)
		_, _ = r.Body.Read(buf)
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(h, timeouts{readHeader: 200 * time.Millisecond, read: 300 * time.Millisecond, write: time.Second, idle: 300 * time.Millisecond})
	go srv.Serve(ln)
	defer srv.Close()
	for _, tc := range []struct{ name, send string }{
		{"a body that stops halfway", "POST /twilio/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nBody=ho"},
		{"headers that never end", "POST /twilio/messages HTTP/1.1\r\nHost: x\r\n"},
		{"an idle connection after a request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(tc.name+" is closed by the server", func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(tc.send)); err != nil {
				t.Fatal(err)
			}
			// The server, not this deadline, must end the connection.
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(c)
			for {
				if _, err := r.ReadString('\n'); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Fatal("the server kept the connection open")
					}
					return // closed by the server
				}
			}
		})
	}
}

func TestServeListensOnLoopbackByDefault(t *testing.T) {
	c, err := parseServe(nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if host, _, err := net.SplitHostPort(c.Local.Addr); err != nil || host != "127.0.0.1" {
		t.Errorf("default address %q, want 127.0.0.1:<port>", c.Local.Addr)
	}
}
