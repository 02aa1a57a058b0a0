package console_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tipline/shared/console"
)

func newHandler(t *testing.T, c console.Config) *console.Handler {
	t.Helper()
	h, err := console.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var assetRef = regexp.MustCompile(`/console/assets/[a-z]+\.[0-9a-f]{12}\.(json|js|css|svg)\b`)

func TestIndexAndAssets(t *testing.T) {
	h := newHandler(t, console.Config{PublicBaseURL: "http://localhost:8080"})
	idx := get(h, "/console/")
	body := idx.Body.String()
	refs := assetRef.FindAllString(body, -1)
	tests := []struct {
		name string
		ok   bool
	}{
		{"index.html is never cached", idx.Header().Get("Cache-Control") == "no-store"},
		{"index.html names every asset by a hashed name", len(refs) >= 5 && !strings.Contains(body, "{{")},
		{"the policy allows scripts from the page's origin only", strings.Contains(idx.Header().Get("Content-Security-Policy"), "default-src 'self'; script-src 'self';")},
		{"the page holds no inline script", noInlineScript(body)},
		{"the page loads nothing from another origin", !regexp.MustCompile(`(src|href)="https?://`).MatchString(body)},
		{"a deep link serves the page too", get(h, "/console/tips/01ABC").Code == http.StatusOK},
		{"an unknown asset is not found", get(h, "/console/assets/app.000000000000.js").Code == http.StatusNotFound},
	}
	for _, ref := range refs {
		a := get(h, ref, "Accept-Encoding", "gzip")
		tests = append(tests, struct {
			name string
			ok   bool
		}{"asset " + ref + " is cached for a year, immutable and gzipped", a.Code == 200 &&
			a.Header().Get("Cache-Control") == "public, max-age=31536000, immutable" &&
			(a.Header().Get("Content-Encoding") == "gzip" || a.Body.Len() <= 512)})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Fail()
			}
		})
	}
}

// The first load is index.html and the assets it names (the message file
// of one language): at most 150 KB gzipped.
func TestFirstLoadIsSmall(t *testing.T) {
	h := newHandler(t, console.Config{})
	total := 0
	body := get(h, "/console/", "Accept-Encoding", "gzip")
	total += body.Body.Len()
	zr, err := gzip.NewReader(body.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	for _, ref := range assetRef.FindAllString(string(raw), -1) {
		if strings.Contains(ref, "/en.") {
			continue
		}
		total += get(h, ref, "Accept-Encoding", "gzip").Body.Len()
	}
	if total > 150<<10 {
		t.Errorf("the first load is %d bytes gzipped, more than 150 KB", total)
	}
}

func TestCognitoDomainJoinsTheConnectSources(t *testing.T) {
	h := newHandler(t, console.Config{CognitoDomain: "https://tipline.auth.us-east-1.amazoncognito.com/", ClientID: "abc", PublicBaseURL: "https://tips.example.org"})
	w := get(h, "/console/")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://tipline.auth.us-east-1.amazoncognito.com;") {
		t.Errorf("CSP %q does not allow the token endpoint", csp)
	}
	if !strings.Contains(w.Body.String(), "https://tips.example.org/console/") {
		t.Error("the page does not know its callback URL")
	}
	if _, err := console.New(console.Config{CognitoDomain: "http://plain.example.org"}); err == nil {
		t.Error("a Cognito domain without https was accepted")
	}
}

func TestLocalSignin(t *testing.T) {
	issued := ""
	h := newHandler(t, console.Config{LocalSignin: func(role string, regions []string) (string, error) {
		issued = role + ":" + strings.Join(regions, ",")
		return "tok." + role, nil
	}})
	post := func(remote, host string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/console/local-signin", strings.NewReader(url.Values{"role": {"staff"}, "regions": {"pe-cus, PE-MDD"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr, r.Host = remote, host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	tests := []struct {
		name, remote, host string
		want               int
	}{
		{"a loopback client gets a token in the fragment", "127.0.0.1:5000", "localhost:8080", http.StatusSeeOther},
		{"a client of another machine is refused", "192.0.2.7:5000", "localhost:8080", http.StatusNotFound},
		{"a loopback client naming another host is refused", "127.0.0.1:5000", "evil.example.org", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := post(tc.remote, tc.host)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == http.StatusSeeOther && (w.Header().Get("Location") != "/console/#token=tok.staff" || issued != "staff:PE-CUS,PE-MDD") {
				t.Errorf("redirect %q, issued %q", w.Header().Get("Location"), issued)
			}
		})
	}
	if w := get(newHandler(t, console.Config{}), "/console/local-signin"); w.Code != http.StatusNotFound {
		t.Errorf("without LocalSignin the page answers %d, want 404", w.Code)
	}
}

// noInlineScript reports whether every script element of the page loads a file.
func noInlineScript(page string) bool {
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, " src=") {
			return false
		}
	}
	return true
}
