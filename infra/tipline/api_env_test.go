package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestSendAndBenchTalkToTheStackAtTIPLINE_API(t *testing.T) {
	var webhooks atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/twilio/messages" {
			webhooks.Add(1)
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
	}))
	defer srv.Close()
	t.Setenv("TIPLINE_API", srv.URL)
	tests := []struct {
		name string
		run  func() error
		want int32
	}{
		{"send posts its message to $TIPLINE_API/twilio/messages", func() error {
			return runSend([]string{"-from", "+51987000009", "-body", "hola"}, io.Discard, io.Discard)
		}, 1},
		{"bench posts its messages to $TIPLINE_API/twilio/messages", func() error {
			return runBench([]string{"-n", "3", "-c", "1"}, io.Discard, io.Discard)
		}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			webhooks.Store(0)
			if err := tc.run(); err != nil {
				t.Fatalf("error = %v", err)
			}
			if got := webhooks.Load(); got != tc.want {
				t.Errorf("the stack at TIPLINE_API got %d webhooks, want %d", got, tc.want)
			}
		})
	}
}
