package staff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/contact"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// fuzzAPI is a staff API on an embedded table with one tip, and a
// supervisor's token.
func fuzzAPI(f *testing.F) (http.Handler, string, string) {
	db, err := localdb.Embedded(context.Background(), "tipline")
	if err != nil {
		f.Fatal(err)
	}
	now := func() time.Time { return start }
	s := store.New(db, "tipline", now)
	keeper, err := contact.NewKeeper([]byte("fuzz-reporter-secret-0123456789"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	tp := &tip.Tip{ID: "01TIPFUZZ00000000000000001", Ref: "FUZZ01", Channel: tip.SMS, Status: tip.StatusTriaged, ReporterKey: "rk",
		Text: "hay menores", MessageCount: 1, Triage: tip.Triage{Urgency: tip.High, Region: "PE-MDD", Reportable: true, Minor: true},
		CreatedAt: start, UpdatedAt: start, LastInbound: start, Version: 1}
	if err := s.CreateTip(context.Background(), store.NewTip{Tip: tp, Message: &tip.Message{SID: "SMfuzz", Body: tp.Text, CreatedAt: start}}); err != nil {
		f.Fatal(err)
	}
	tokens := staff.LocalTokens{Key: []byte("fuzz-signing-key-0123456789abcdef"), Issuer: staff.LocalIssuer, Audience: staff.LocalAudience, Now: now}
	tok, err := tokens.Issue("sup", staff.RoleSupervisor, nil, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	h := staff.New(staff.Deps{Store: s, Auth: tokens, Log: slogJSON(&bytes.Buffer{}), Contacts: keeper, Sender: &fakeSender{},
		Forwarder: &forwards{}, MediaKey: []byte("media-link-key-0123456789"), Now: now})
	return h, tok, tp.ID
}

// answered checks that an answer is ours: never a 5xx, always JSON with
// an error code when it is an error.
func answered(t *testing.T, method, path string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s %s answered %d: %s", method, path, w.Code, w.Body)
	}
	if w.Code >= 400 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code == "" {
			t.Fatalf("%s %s answered %d without an error code: %s", method, path, w.Code, w.Body)
		}
	}
}

// FuzzStaffJSONBodies sends any body to every route that reads one: the
// API answers a 2xx or a 4xx with an error code, never a 5xx.
func FuzzStaffJSONBodies(f *testing.F) {
	h, tok, id := fuzzAPI(f)
	routes := []struct{ method, path string }{
		{"PATCH", "/api/tips/" + id}, {"POST", "/api/tips/" + id + "/reply"}, {"POST", "/api/tips/" + id + "/forward"},
		{"POST", "/api/authorities"}, {"PUT", "/api/authorities/fistrap-x"}, {"POST", "/api/campaigns"},
	}
	for i, b := range []string{`{"version":1,"note":"visto"}`, `{"version":1,"status":"closed","note":"x"}`, `{"body":"Gracias"}`,
		`{"authority_id":"fistrap-mdd"}`, `{"id":"a","name":"b","regions":["PE-MDD"],"contacts":[{"channel":"sms","address":"+51999000111","tier":1}],"active":true}`,
		`{"version":1e400}`, `{"version":-1,"urgency":"low"}`, `[]`, `null`, `{"note":"\ud800"}`, "{\"note\":\"\xff\"}", `{"version":1,"region":"PE-LIM","place":""}`} {
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		rt := routes[int(which)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		answered(t, rt.method, rt.path, w)
	})
}

// FuzzStaffCursors sends any cursor and filters to the queue: 200 or 400,
// never a 5xx.
func FuzzStaffCursors(f *testing.F) {
	h, tok, _ := fuzzAPI(f)
	for _, c := range []string{"", "not-a-cursor", "eyJxIjoieCIsInMiOltdfQ", "eyJxIjoiIiwicCI6IjEjYSNiIiwicyI6W3siYSI6eyJQSyI6IlRJUCN4In19XX0"} {
		f.Add(c, "", "")
		f.Add(c, "triaged", "PE-MDD")
	}
	f.Fuzz(func(t *testing.T, cursor, status, region string) {
		q := url.Values{"cursor": {cursor}, "limit": {"1"}}
		if status != "" {
			q.Set("status", status)
		}
		if region != "" {
			q.Set("region", region)
		}
		path := "/api/tips?" + q.Encode()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		answered(t, "GET", path, w)
	})
}
