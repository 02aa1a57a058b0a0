package staff

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MediaFetcher fetches a media item Twilio holds.
type MediaFetcher interface {
	Fetch(ctx context.Context, mediaURL string) (body io.ReadCloser, contentType string, err error)
}

// TwilioMedia fetches media from Twilio's API with the account's
// credentials (needed when "Enforce HTTP Auth on Media URLs" is on), from
// allowed hosts only, so that a stored URL cannot make us call elsewhere.
// https://www.twilio.com/docs/usage/security#http-authentication
type TwilioMedia struct {
	Client     *http.Client
	AccountSID string
	AuthToken  string
	Hosts      []string // default api.twilio.com
}

// maxMedia bounds a proxied media item: Lambda answers at most 6 MB, and
// the body is base64-encoded on the way.
const maxMedia = 4 << 20

// Fetch implements MediaFetcher.
func (m TwilioMedia) Fetch(ctx context.Context, mediaURL string) (io.ReadCloser, string, error) {
	u, err := url.Parse(mediaURL)
	hosts := m.Hosts
	if len(hosts) == 0 {
		hosts = []string{"api.twilio.com"}
	}
	if err != nil || u.Scheme != "https" || !slices.Contains(hosts, u.Hostname()) {
		return nil, "", fmt.Errorf("media host not allowed")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", err
	}
	if m.AccountSID != "" {
		req.SetBasicAuth(m.AccountSID, m.AuthToken)
	}
	c := m.Client
	if c == nil {
		c = &http.Client{Timeout: 8 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("media fetch: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", fmt.Errorf("media fetch: status %d", resp.StatusCode)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// MediaLink returns a signed link to one media item of a message that
// works for MediaTTL, for pages outside the API (the case page).
func (h *Handler) MediaLink(tipID, sid string, index int) string {
	return h.mediaLink(tipID, sid, index, h.d.Now().Add(h.d.MediaTTL))
}

// mediaLink returns a link to one media item of a message that works until
// exp without a bearer token (an <img> cannot send one): the path carries
// the tip, message and index, the expiry and an HMAC-SHA256 of them.
func (h *Handler) mediaLink(tipID, sid string, index int, exp time.Time) string {
	payload := strings.Join([]string{tipID, sid, strconv.Itoa(index), strconv.FormatInt(exp.Unix(), 10)}, ".")
	return "/api/media/" + payload + "." + h.mediaSig(payload)
}

func (h *Handler) mediaSig(payload string) string {
	m := hmac.New(sha256.New, h.d.MediaKey)
	m.Write([]byte("media\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// media proxies one media item for a valid, unexpired link.
func (h *Handler) media(w http.ResponseWriter, r *http.Request, _ Principal) error {
	ctx := r.Context()
	gone := fail(http.StatusNotFound, "not_found", "this media link is not valid or has expired; reload the tip")
	if len(h.d.MediaKey) < 16 {
		return gone
	}
	parts := strings.Split(r.PathValue("token"), ".")
	if len(parts) != 5 {
		return gone
	}
	payload := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(parts[4]), []byte(h.mediaSig(payload))) {
		return gone
	}
	exp, err1 := strconv.ParseInt(parts[3], 10, 64)
	index, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || h.d.Now().Unix() > exp {
		return gone
	}
	msgs, err := h.d.Store.Messages(ctx, parts[0])
	if err != nil {
		return err
	}
	src := ""
	ctype := ""
	for _, m := range msgs {
		if m.SID == parts[1] && index >= 0 && index < len(m.Media) {
			src, ctype = m.Media[index].URL, m.Media[index].ContentType
		}
	}
	if src == "" || h.d.Media == nil {
		return gone
	}
	body, fetchedType, err := h.d.Media.Fetch(ctx, src)
	if err != nil {
		h.log(ctx).Warn("media not fetched", "tip_id", parts[0], "message_sid", parts[1], "error", err.Error())
		return fail(http.StatusBadGateway, "media_unavailable", "the media item could not be fetched from Twilio")
	}
	defer body.Close()
	if fetchedType != "" {
		ctype = fetchedType
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Content-Disposition", "inline")
	if _, err := io.Copy(w, io.LimitReader(body, maxMedia)); err != nil {
		h.log(ctx).Warn("media copy interrupted", "tip_id", parts[0], "error", err.Error())
	}
	return nil
}

// MediaKey derives the key of media links from a secret, so that no
// further secret has to be deployed.
func MediaKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tipline media links v1"))
	return m.Sum(nil)
}
