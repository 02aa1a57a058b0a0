package fakeapi

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// MediaStore holds the media of inbound messages, as Twilio does, for the local
// stack: `tipline send -media FILE` uploads a file (POST /local/media), the
// webhook carries its Twilio-shaped URL
// (https://api.twilio.com/2010-04-01/Accounts/{AC}/Messages/{SM}/Media/{ME}),
// and the staff API fetches it from here with the account's Basic auth, as
// it does from Twilio (https://www.twilio.com/docs/messaging/api/media-resource).
// It is safe for concurrent use.
type MediaStore struct {
	// AccountSID and AuthToken, when set, must match a fetch's Basic auth.
	AccountSID, AuthToken string
	// Host is the host written in media URLs (default api.twilio.com).
	Host string
	// Dir, when set, keeps the items in files there too, so they outlive a
	// restart as the local stack's data does.
	Dir string

	mu    sync.Mutex
	items map[string]mediaItem // by path
}

type mediaItem struct {
	contentType string
	data        []byte
}

// MaxMediaSize bounds one uploaded item (Twilio accepts at most 5 MB).
const MaxMediaSize = 5 << 20

var messageSID = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

// Put keeps data as a media item of message sid and returns its URL. It
// fails only when the item cannot be written to Dir.
func (m *MediaStore) Put(sid, contentType string, data []byte) (string, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	me := "ME" + hex.EncodeToString(b)
	path := "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + sid + "/Media/" + me
	if m.Dir != "" {
		if err := os.MkdirAll(m.Dir, 0o700); err != nil {
			return "", err
		}
		file := append([]byte(path+"\n"+contentType+"\n"), data...)
		if err := os.WriteFile(filepath.Join(m.Dir, me), file, 0o600); err != nil {
			return "", err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]mediaItem{}
	}
	m.items[path] = mediaItem{contentType, data}
	host := m.Host
	if host == "" {
		host = "api.twilio.com"
	}
	return "https://" + host + path, nil
}

// Load reads the items kept in Dir (none when it is empty or missing) and
// returns how many it read.
func (m *MediaStore) Load() (int, error) {
	if m.Dir == "" {
		return 0, nil
	}
	files, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]mediaItem{}
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(m.Dir, f.Name()))
		if err != nil {
			return n, err
		}
		path, rest, ok1 := bytes.Cut(b, []byte("\n"))
		ct, data, ok2 := bytes.Cut(rest, []byte("\n"))
		if !ok1 || !ok2 {
			continue // not an item
		}
		m.items[string(path)] = mediaItem{string(ct), data}
		n++
	}
	return n, nil
}

// ServeHTTP answers GET of a media URL's path with the item, 401 without
// the account's Basic auth, 404 for an unknown item.
func (m *MediaStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		fail(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	user, pass, ok := r.BasicAuth()
	if m.AccountSID != "" && (!ok || user != m.AccountSID || (m.AuthToken != "" && pass != m.AuthToken)) {
		fail(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	m.mu.Lock()
	it, found := m.items[r.URL.Path]
	m.mu.Unlock()
	if !found {
		fail(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	w.Header().Set("Content-Type", it.contentType)
	_, _ = w.Write(it.data)
}

// UploadHandler is POST /local/media?message=SM…: the body is the item, its
// Content-Type the item's (detected when absent or generic). It answers
// 201 {"url": …, "content_type": …}.
func (m *MediaStore) UploadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := r.URL.Query().Get("message")
		if !messageSID.MatchString(sid) {
			fail(w, http.StatusBadRequest, 20001, "message must be a MessageSid (SM or MM and 32 hex digits)")
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, MaxMediaSize+1))
		if err != nil {
			fail(w, http.StatusBadRequest, 20001, "unreadable body")
			return
		}
		if len(data) == 0 || len(data) > MaxMediaSize {
			fail(w, http.StatusRequestEntityTooLarge, 11212, "media must be between 1 byte and 5 MB")
			return
		}
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct == "application/octet-stream" || ct == "application/x-www-form-urlencoded" {
			ct = http.DetectContentType(data)
		}
		ct = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
		u, err := m.Put(sid, ct, data)
		if err != nil {
			fail(w, http.StatusInternalServerError, 20500, "media not kept")
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"url": u, "content_type": ct})
	})
}
