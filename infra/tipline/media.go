package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"tipline/shared/config"
	"tipline/shared/twilio/fakeapi"
)

// Local media: with the built-in fake Twilio, `tipline send -media FILE`
// uploads the file to POST /local/media, which the fake keeps (in the data
// folder unless -ephemeral) under a Twilio-shaped URL on api.twilio.com.
// The staff API fetches media exactly as in AWS, by that URL with the
// account's Basic auth, through a client that takes api.twilio.com to the
// fake: a tip's detail shows the media through the same signed link.

// newLocalMedia returns the fake's media store, loading what an earlier
// run kept in the data folder.
func newLocalMedia(c config.Config, log *slog.Logger, mux *http.ServeMux, account string) (*fakeapi.MediaStore, error) {
	m := &fakeapi.MediaStore{AccountSID: account, AuthToken: c.AuthToken}
	if c.Local.DataDir != "" {
		m.Dir = filepath.Join(c.Local.DataDir, "media")
	}
	n, err := m.Load()
	if err != nil {
		return nil, fmt.Errorf("serve: local media: %w", err)
	}
	mux.Handle("POST /local/media", m.UploadHandler())
	log.Info("local media", "upload", c.PublicBaseURL+"/local/media", "items", n)
	return m, nil
}

// withMedia serves media URLs' paths from m and everything else from api.
func withMedia(api http.Handler, m *fakeapi.MediaStore) http.Handler {
	if m == nil {
		return api
	}
	mux := http.NewServeMux()
	mux.Handle("GET /2010-04-01/Accounts/{account}/Messages/{sid}/Media/{media}", m)
	mux.Handle("/", api)
	return mux
}

// toFake is a transport that sends requests for api.twilio.com to the
// fake API at base (plain HTTP on loopback).
type toFake struct{ base *url.URL }

func (t toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != "api.twilio.com" {
		return nil, fmt.Errorf("local media: host %s is not Twilio's", r.URL.Hostname())
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

// mediaClient is the client the staff API fetches media with: to the fake
// API when serve runs it, else the default (nil).
func mediaClient(fakeURL string) *http.Client {
	if fakeURL == "" {
		return nil
	}
	u, err := url.Parse(fakeURL)
	if err != nil {
		return nil
	}
	return &http.Client{Timeout: 8 * time.Second, Transport: toFake{u}}
}
