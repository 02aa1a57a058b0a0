package staff_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tipline/shared/staff"
)

// A cursor the client changed is a bad request (400), never our failure.
func TestTamperedCursorsAreBadRequests(t *testing.T) {
	hs := newHarness(t)
	for i := 0; i < 3; i++ {
		hs.seed(tipSpec{region: "PE-MDD"})
	}
	tok := hs.token("sup", staff.RoleSupervisor)
	r := hs.do("GET", "/api/tips?limit=1", tok, nil)
	var l listed
	r.json(t, &l)
	if l.NextCursor == "" {
		t.Fatal("no cursor after the first of three tips")
	}
	raw, err := base64.RawURLEncoding.DecodeString(l.NextCursor)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s string) string { return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(s))) }
	for _, tc := range []struct{ name, cursor string }{
		{"an extra key attribute", enc(strings.Replace(string(raw), `"SK":"TIP"`, `"SK":"TIP","X":"1"`, 1))},
		{"a missing key attribute", enc(regexp.MustCompile(`"PK":"[^"]*",`).ReplaceAllString(string(raw), ""))},
		{"a key of another item", enc(strings.Replace(string(raw), `"SK":"TIP"`, `"SK":"AUDIT#1"`, 1))},
		{"not JSON", enc("{")},
		{"not base64", "!!!"},
	} {
		t.Run("a cursor with "+tc.name+" answers 400", func(t *testing.T) {
			r := hs.do("GET", "/api/tips?limit=1&cursor="+tc.cursor, tok, nil)
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d %s, want 400", r.status, r.body)
			}
		})
	}
}
