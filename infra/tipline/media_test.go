package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tipline/shared/staff"
	"tipline/shared/twilio/fakeapi"
)

// A file given to send -media is kept by the fake Twilio under a
// Twilio-shaped URL, and the staff API's media fetcher reads it back from
// there as it reads Twilio's, with the account's credentials.
func TestSendMediaIsHeldByTheFakeTwilio(t *testing.T) {
	const account, token = "AC00000000000000000000000000000000", "tiplinelocaltoken"
	media := &fakeapi.MediaStore{AccountSID: account, AuthToken: token, Dir: t.TempDir()}
	api := httptest.NewServer(withMedia(&fakeapi.Server{AccountSID: account, AuthToken: token}, media))
	defer api.Close()
	local := http.NewServeMux()
	local.Handle("POST /local/media", media.UploadHandler())
	stack := httptest.NewServer(local)
	defer stack.Close()

	photo := []byte("\x89PNG\r\n\x1a\n a photo of the bar")
	file := filepath.Join(t.TempDir(), "bar.png")
	if err := os.WriteFile(file, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	const sid = "SM0123456789abcdef0123456789abcdef"
	u, ct, err := hostMedia(stack.URL+"/twilio/messages", sid, file)
	if err != nil {
		t.Fatalf("hostMedia: %v", err)
	}
	if !strings.HasPrefix(u, "https://api.twilio.com/2010-04-01/Accounts/"+account+"/Messages/"+sid+"/Media/ME") || ct != "image/png" {
		t.Fatalf("got %s (%s), want a Twilio media URL of the message, image/png", u, ct)
	}
	fetch := func(token string, m *fakeapi.MediaStore) ([]byte, error) {
		srv := httptest.NewServer(withMedia(&fakeapi.Server{}, m))
		defer srv.Close()
		body, _, err := staff.TwilioMedia{AccountSID: account, AuthToken: token, Client: mediaClient(srv.URL)}.Fetch(context.Background(), u)
		if err != nil {
			return nil, err
		}
		defer body.Close()
		return io.ReadAll(body)
	}
	tests := []struct {
		name  string
		token string
		media func() *fakeapi.MediaStore
		ok    bool
	}{
		{"the staff API reads the file back with the account's credentials", token, func() *fakeapi.MediaStore { return media }, true},
		{"a wrong auth token reads nothing", "wrong", func() *fakeapi.MediaStore { return media }, false},
		{"the file outlives a restart of serve", token, func() *fakeapi.MediaStore {
			again := &fakeapi.MediaStore{AccountSID: account, AuthToken: token, Dir: media.Dir}
			if n, err := again.Load(); err != nil || n != 1 {
				t.Fatalf("Load() = %d, %v; want 1 item", n, err)
			}
			return again
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fetch(tc.token, tc.media())
			if tc.ok && (err != nil || !bytes.Equal(got, photo)) {
				t.Errorf("got %q, %v; want the photo", got, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("got %q, want an error", got)
			}
		})
	}
	t.Run("a URL is read by send and kept by the fake as a file is", func(t *testing.T) {
		src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/ogg")
			_, _ = w.Write([]byte("OggS a voice note"))
		}))
		defer src.Close()
		u, ct, err := hostMedia(stack.URL+"/twilio/messages", sid, src.URL+"/nota.ogg")
		if err != nil || ct != "audio/ogg" || !strings.HasPrefix(u, "https://api.twilio.com/") {
			t.Fatalf("got %s (%s), %v; want a Twilio media URL, audio/ogg", u, ct, err)
		}
	})
	t.Run("a Twilio media URL is passed on as it is", func(t *testing.T) {
		const twilioURL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
		if u, _, err := hostMedia(stack.URL+"/twilio/messages", sid, twilioURL); err != nil || u != twilioURL {
			t.Errorf("got %s, %v; want %s", u, err, twilioURL)
		}
	})
	t.Run("a server without local media says so", func(t *testing.T) {
		bare := httptest.NewServer(http.NotFoundHandler())
		defer bare.Close()
		if _, _, err := hostMedia(bare.URL+"/twilio/messages", sid, file); err == nil || !strings.Contains(err.Error(), "keeps no local media") {
			t.Errorf("got %v, want an error saying the server keeps no local media", err)
		}
	})
}
