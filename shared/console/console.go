// Package console serves the staff console, the web page campaign staff
// work the tip queue in, under /console/ on the same origin as the staff
// API (/api/), so there is no CORS.
//
// The page is plain HTML, CSS and one JavaScript module, embedded in the
// binary. Assets are served under names that carry a hash of their content
// with a year-long immutable cache; index.html is never cached and names
// the current assets. Every answer carries a strict Content-Security-Policy
// (default-src 'self', no inline script), and the page makes no request to
// any other origin except, when Cognito sign-in is configured, the token
// endpoint of the deployment's own user pool domain.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

//go:embed web
var webFS embed.FS

// Config is what the page needs to know about its deployment.
type Config struct {
	// CognitoDomain is the user pool's managed login domain, e.g.
	// https://tipline-prod.auth.us-east-1.amazoncognito.com; empty when
	// sign-in is by token only (the local stack).
	CognitoDomain string
	// ClientID is the user pool client of the console (Cognito only).
	ClientID string
	// PublicBaseURL is where the console is reached; the Cognito callback
	// and logout URL is PublicBaseURL + "/console/".
	PublicBaseURL string
	// LocalSignin, when set, offers /console/local-signin (loopback
	// clients only), which issues a token for a chosen role and regions.
	LocalSignin func(role string, regions []string) (string, error)
}

// Handler serves the console under /console/.
type Handler struct {
	c      Config
	assets map[string]asset  // by hashed name
	names  map[string]string // file name → hashed URL
	index  []byte
	csp    string
}

type asset struct {
	body        []byte
	contentType string
}

// hashedAssets are the files served under content-hashed names; index.html
// names them through {{name}} placeholders.
var hashedAssets = []string{"app.js", "style.css", "es.json", "en.json", "icon.svg"}

// New builds the handler. It fails only on a malformed configuration.
func New(c Config) (*Handler, error) {
	h := &Handler{c: c, assets: map[string]asset{}}
	connect := "'self'"
	if c.CognitoDomain != "" {
		u, err := url.Parse(c.CognitoDomain)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("console: Cognito domain %q is not an https URL", c.CognitoDomain)
		}
		h.c.CognitoDomain = "https://" + u.Host
		connect += " " + h.c.CognitoDomain
	}
	h.csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src " + connect +
		"; form-action 'self'" + strings.TrimPrefix(connect, "'self'") + "; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	h.csp = strings.Join(strings.Fields(h.csp), " ")
	names := map[string]string{}
	for _, name := range hashedAssets {
		b, err := fs.ReadFile(webFS, "web/"+name)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		names[name] = "/console/assets/" + hashed
		h.assets[hashed] = asset{body: b, contentType: contentType(ext)}
	}
	idx, err := fs.ReadFile(webFS, "web/index.html")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	for name, u := range names {
		idx = bytes.ReplaceAll(idx, []byte("{{"+name+"}}"), []byte(u))
	}
	cfg, _ := json.Marshal(map[string]any{
		"cognito_domain": h.c.CognitoDomain, "client_id": c.ClientID,
		"redirect_uri": strings.TrimSuffix(c.PublicBaseURL, "/") + "/console/", "local_signin": c.LocalSignin != nil,
	})
	idx = bytes.ReplaceAll(idx, []byte("{{config}}"), []byte(htmlAttr(string(cfg))))
	h.index = idx
	h.names = names
	return h, nil
}

func contentType(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// htmlAttr escapes s for a double-quoted HTML attribute.
func htmlAttr(s string) string {
	r := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// SecurityHeaders sets the headers every console and case page answer carries.
func SecurityHeaders(w http.ResponseWriter, csp string) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// ServeHTTP serves assets, the local sign-in page and index.html for every
// other path under /console/ (the page routes itself).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SecurityHeaders(w, h.csp)
	p := r.URL.Path
	if p == "/console" {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
		return
	}
	if name, ok := strings.CutPrefix(p, "/console/assets/"); ok {
		a, found := h.assets[name]
		if !found || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			w.Header().Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		writeMaybeGzip(w, r, a.body)
		return
	}
	if p == "/console/local-signin" {
		h.localSignin(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeMaybeGzip(w, r, h.index)
}

// CSP is the Content-Security-Policy of the console's answers.
func (h *Handler) CSP() string { return h.csp }
