package staff_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"tipline/shared/staff"
	"tipline/shared/tip"
)

func slogJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Callers of the matrix, in the order of the want columns.
var callers = []string{"no token", "staff of PE-MDD", "staff of PE-CUS", "staff without a regions claim", "supervisor", "admin"}

func TestAuthorisationMatrix(t *testing.T) {
	hs := newHarness(t)
	mdd := hs.seed(tipSpec{region: "PE-MDD"})
	cus := hs.seed(tipSpec{region: "PE-CUS"})
	none := hs.seed(tipSpec{region: ""})
	tokens := []string{"",
		hs.token("ana", staff.RoleStaff, "PE-MDD"),
		hs.token("luis", staff.RoleStaff, "PE-CUS"),
		hs.token("rosa", staff.RoleStaff),
		hs.token("sup", staff.RoleSupervisor, "PE-MDD"), // a supervisor's regions do not restrict
		hs.token("root", staff.RoleAdmin),
	}
	authority := `{"id":"fistrap-%s","name":"FISTRAP","institution":"Ministerio Público","regions":["PE-MDD"],"contacts":[{"channel":"sms","address":"+5199900%04d","tier":1}],"active":true}`
	n := 0
	next := func() int { n++; return n }
	const (
		ok, created, accepted  = 200, 201, 202
		unauth, denied, absent = 401, 403, 404
	)
	for _, tc := range []struct {
		name   string
		method string
		path   func() string
		body   func(caller int) any
		want   []int // per caller
	}{
		{"listing the queue", "GET", func() string { return "/api/tips" }, nil,
			[]int{unauth, ok, ok, ok, ok, ok}},
		{"listing a region's queue", "GET", func() string { return "/api/tips?region=PE-MDD" }, nil,
			[]int{unauth, ok, denied, denied, ok, ok}},
		{"listing tips without a region", "GET", func() string { return "/api/tips?region=none" }, nil,
			[]int{unauth, denied, denied, denied, ok, ok}},
		{"exporting the queue", "GET", func() string { return "/api/tips.csv" }, nil,
			[]int{unauth, ok, ok, ok, ok, ok}},
		{"reading a tip of PE-MDD", "GET", func() string { return "/api/tips/" + mdd.ID }, nil,
			[]int{unauth, ok, denied, denied, ok, ok}},
		{"reading a tip of PE-CUS", "GET", func() string { return "/api/tips/" + cus.ID }, nil,
			[]int{unauth, denied, ok, denied, ok, ok}},
		{"reading a tip without a region", "GET", func() string { return "/api/tips/" + none.ID }, nil,
			[]int{unauth, denied, denied, denied, ok, ok}},
		{"reading a tip that does not exist", "GET", func() string { return "/api/tips/01NOSUCHTIP" }, nil,
			[]int{unauth, absent, absent, absent, absent, absent}},
		{"correcting a tip of PE-MDD", "PATCH", func() string { return "/api/tips/" + mdd.ID },
			func(int) any { return map[string]any{"version": current(t, hs, mdd.ID), "note": "revisado"} },
			[]int{unauth, ok, denied, denied, ok, ok}},
		{"correcting a tip without a region", "PATCH", func() string { return "/api/tips/" + none.ID },
			func(int) any { return map[string]any{"version": current(t, hs, none.ID), "note": "revisado"} },
			[]int{unauth, denied, denied, denied, ok, ok}},
		{"forwarding a tip of PE-CUS", "POST", func() string { return "/api/tips/" + cus.ID + "/forward" },
			func(int) any { return map[string]string{"authority_id": "fistrap-cus"} },
			[]int{unauth, denied, accepted, denied, accepted, accepted}},
		{"replying on a tip of PE-MDD", "POST", func() string { return "/api/tips/" + mdd.ID + "/reply" },
			func(int) any { return map[string]string{"body": "Gracias, ¿en qué calle?"} },
			[]int{unauth, created, denied, denied, created, created}},
		{"reading the figures", "GET", func() string { return "/api/stats" }, nil,
			[]int{unauth, denied, denied, denied, ok, ok}},
		{"listing the authorities", "GET", func() string { return "/api/authorities" }, nil,
			[]int{unauth, denied, denied, denied, denied, ok}},
		{"adding an authority", "POST", func() string { return "/api/authorities" },
			func(c int) any {
				k := next()
				return strings.Replace(strings.Replace(authority, "%s", strconv.Itoa(k), 1), "%04d", pad(k), 1)
			},
			[]int{unauth, denied, denied, denied, denied, created}},
		{"replacing an authority", "PUT", func() string { return "/api/authorities/fistrap-put" },
			func(c int) any { return strings.Replace(strings.Replace(authority, "%s", "put", 1), "%04d", "9999", 1) },
			[]int{unauth, denied, denied, denied, denied, ok}},
		{"reading an authority that does not exist", "GET", func() string { return "/api/authorities/nobody" }, nil,
			[]int{unauth, denied, denied, denied, denied, absent}},
	} {
		for i, caller := range callers {
			t.Run(caller+" "+tc.name+" gets "+strconv.Itoa(tc.want[i]), func(t *testing.T) {
				var body any
				if tc.body != nil {
					body = tc.body(i)
				}
				r := hs.do(tc.method, tc.path(), tokens[i], body)
				if r.status != tc.want[i] {
					t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path(), r.status, r.body, tc.want[i])
				}
				if r.status >= 400 {
					if code := r.errorCode(t); code == "" {
						t.Errorf("error answer without a code: %s", r.body)
					}
				}
			})
		}
	}
}

func pad(k int) string {
	s := strconv.Itoa(k)
	return strings.Repeat("0", 4-len(s)) + s
}

// current returns a tip's stored version.
func current(t *testing.T, hs *harness, id string) int {
	t.Helper()
	tp, err := hs.store.Tip(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tp.Version
}

func TestTokens(t *testing.T) {
	hs := newHarness(t)
	hs.seed(tipSpec{region: "PE-MDD"})
	good := hs.tokens
	other := good
	other.Key = []byte("another-key-0123456789abcdefghij")
	wrongAud := good
	wrongAud.Audience = "someone-else"
	wrongIss := good
	wrongIss.Issuer = "https://cognito-idp.example"
	past := good
	past.Now = func() time.Time { return start.Add(-2 * time.Hour) }
	issue := func(l staff.LocalTokens, role staff.Role) string {
		tok, err := l.Issue("ana", role, []string{"PE-MDD"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		hs.secrets = append(hs.secrets, tok)
		return tok
	}
	for _, tc := range []struct {
		name   string
		header string
		want   int
	}{
		{"a valid staff token is accepted", "Bearer " + issue(good, staff.RoleStaff), http.StatusOK},
		{"no Authorization header is refused with 401", "", http.StatusUnauthorized},
		{"a Basic header is refused with 401", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", http.StatusUnauthorized},
		{"a token signed with another key is refused with 401", "Bearer " + issue(other, staff.RoleAdmin), http.StatusUnauthorized},
		{"a token for another audience is refused with 401", "Bearer " + issue(wrongAud, staff.RoleAdmin), http.StatusUnauthorized},
		{"a token of another issuer is refused with 401", "Bearer " + issue(wrongIss, staff.RoleAdmin), http.StatusUnauthorized},
		{"an expired token is refused with 401", "Bearer " + issue(past, staff.RoleAdmin), http.StatusUnauthorized},
		{"garbage is refused with 401", "Bearer not.a.jwt", http.StatusUnauthorized},
		{"a valid token without a known group is refused with 403", "Bearer " + issue(good, staff.RoleNone), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := "/api/tips"
			var r response
			if tc.header == "" {
				r = hs.do("GET", req, "", nil)
			} else {
				r = hs.do("GET", req, "", nil, "Authorization", tc.header)
			}
			if r.status != tc.want {
				t.Errorf("GET %s = %d %s, want %d", req, r.status, r.body, tc.want)
			}
			if r.status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestGatewayClaims(t *testing.T) {
	for _, tc := range []struct {
		name    string
		claims  map[string]string
		role    staff.Role
		regions []string
		err     bool
	}{
		{"API Gateway's bracketed groups and comma-separated regions", map[string]string{"token_use": "id", "sub": "u1", "cognito:groups": "[staff supervisor]", "custom:regions": "PE-MDD,PE-CUS"},
			staff.RoleSupervisor, []string{"PE-MDD", "PE-CUS"}, false},
		{"a single group without brackets", map[string]string{"token_use": "id", "sub": "u2", "cognito:groups": "admin"}, staff.RoleAdmin, []string{}, false},
		{"an unknown region still restricts", map[string]string{"token_use": "id", "sub": "u3", "cognito:groups": "[staff]", "custom:regions": "PE-XXX"},
			staff.RoleStaff, []string{"PE-XXX"}, false},
		{"no groups is no role", map[string]string{"token_use": "id", "sub": "u4"}, staff.RoleNone, []string{}, false},
		{"no regions claim restricts to none", map[string]string{"token_use": "id", "sub": "u5", "cognito:groups": "[staff]"}, staff.RoleStaff, []string{}, false},
		{"an empty list of regions restricts to none", map[string]string{"token_use": "id", "sub": "u6", "cognito:groups": "[staff]", "custom:regions": "[]"},
			staff.RoleStaff, []string{}, false},
		{"a lone comma as regions restricts to none", map[string]string{"token_use": "id", "sub": "u7", "cognito:groups": "[staff]", "custom:regions": ","},
			staff.RoleStaff, []string{}, false},
		{"blank regions restrict to none", map[string]string{"token_use": "id", "sub": "u8", "cognito:groups": "[staff]", "custom:regions": " "},
			staff.RoleStaff, []string{}, false},
		{"an empty regions claim restricts to none", map[string]string{"token_use": "id", "sub": "u9", "cognito:groups": "[staff]", "custom:regions": ""},
			staff.RoleStaff, []string{}, false},
		{"a JSON array of blank regions restricts to none", map[string]string{"token_use": "id", "sub": "u10", "cognito:groups": "[staff]", "custom:regions": `["", " "]`},
			staff.RoleStaff, []string{}, false},
		{"no subject is unauthenticated", map[string]string{"token_use": "id", "cognito:groups": "[admin]"}, 0, nil, true},
		{"an access token is unauthenticated", map[string]string{"token_use": "access", "sub": "u11", "cognito:groups": "[staff]", "client_id": "abc"}, 0, nil, true},
		{"a token without token_use is unauthenticated", map[string]string{"sub": "u12", "cognito:groups": "[admin]"}, 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := staff.PrincipalFromClaims(tc.claims)
			if tc.err {
				if err == nil {
					t.Errorf("principal = %+v, want an error", p)
				}
				return
			}
			if err != nil || p.Role != tc.role || strings.Join(p.Regions, ",") != strings.Join(tc.regions, ",") ||
				(p.Regions == nil) != (tc.regions == nil) {
				t.Errorf("principal = %+v, %v; want role %s, regions %v", p, err, tc.role, tc.regions)
			}
		})
	}
}

// A regions claim that is absent or names nothing must restrict a staff
// user to no region, not widen their view to every region.
func TestEmptyRegionsClaimSeesNothing(t *testing.T) {
	hs := newHarness(t)
	mdd := hs.seed(tipSpec{region: "PE-MDD"})
	hs.seed(tipSpec{region: "PE-CUS"})
	hs.seed(tipSpec{region: ""})
	for _, claim := range []string{"absent", "[]", ",", " ", ""} {
		claims := jwt.MapClaims{"sub": "eva", staff.ClaimGroups: []string{"staff"}, staff.ClaimRegions: claim}
		if claim == "absent" {
			delete(claims, staff.ClaimRegions)
		}
		tok := hs.tokenWithClaims(claims)
		for _, tc := range []struct {
			name   string
			method string
			path   string
			body   any
			status int
			rows   int // tips listed or exported, when status is 200
		}{
			{"lists no tip", "GET", "/api/tips", nil, http.StatusOK, 0},
			{"lists no tip of a status", "GET", "/api/tips?status=triaged", nil, http.StatusOK, 0},
			{"exports no tip", "GET", "/api/tips.csv", nil, http.StatusOK, 0},
			{"may not list a region", "GET", "/api/tips?region=PE-MDD", nil, http.StatusForbidden, 0},
			{"may not read a tip of a region", "GET", "/api/tips/" + mdd.ID, nil, http.StatusForbidden, 0},
			{"may not correct a tip of a region", "PATCH", "/api/tips/" + mdd.ID, map[string]any{"version": 1, "note": "visto"}, http.StatusForbidden, 0},
			{"may not reply on a tip of a region", "POST", "/api/tips/" + mdd.ID + "/reply", map[string]string{"body": "Gracias"}, http.StatusForbidden, 0},
		} {
			t.Run(fmt.Sprintf("staff with regions claim %q %s", claim, tc.name), func(t *testing.T) {
				r := hs.do(tc.method, tc.path, tok, tc.body)
				if r.status != tc.status {
					t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.status)
				}
				if tc.status != http.StatusOK {
					return
				}
				got := 0
				if strings.HasSuffix(tc.path, ".csv") || strings.Contains(tc.path, ".csv?") {
					got = strings.Count(string(r.body), "\r\n") - 1 // the header
				} else {
					var l listed
					r.json(t, &l)
					got = len(l.Tips)
				}
				if got != tc.rows {
					t.Errorf("%s %s = %d tips, want %d:\n%s", tc.method, tc.path, got, tc.rows, r.body)
				}
			})
		}
	}
	tp, _ := hs.store.Tip(t.Context(), mdd.ID)
	if tp.Version != 1 || len(hs.sender.sent) != 0 {
		t.Errorf("tip at version %d, %d replies sent; want version 1 and none", tp.Version, len(hs.sender.sent))
	}
}

// Tips of a region must also be hidden from other regions' staff in every
// listing, whatever the filters.
func TestScopeInListings(t *testing.T) {
	hs := newHarness(t)
	mdd := hs.seed(tipSpec{region: "PE-MDD"})
	cus := hs.seed(tipSpec{region: "PE-CUS", urgency: tip.Critical})
	none := hs.seed(tipSpec{region: ""})
	for _, tc := range []struct {
		name  string
		token string
		path  string
		want  []string
	}{
		{"staff of PE-MDD see only PE-MDD", hs.token("ana", staff.RoleStaff, "PE-MDD"), "/api/tips", []string{mdd.ID}},
		{"staff of two regions see both, most urgent first", hs.token("ana", staff.RoleStaff, "PE-MDD", "PE-CUS"), "/api/tips", []string{cus.ID, mdd.ID}},
		{"staff without a regions claim see no tip", hs.token("rosa", staff.RoleStaff), "/api/tips", []string{}},
		{"a supervisor sees every tip", hs.token("sup", staff.RoleSupervisor), "/api/tips", []string{cus.ID, mdd.ID, none.ID}},
		{"staff of PE-MDD filtering by urgency see only PE-MDD", hs.token("ana", staff.RoleStaff, "PE-MDD"), "/api/tips?urgency=critical", []string{}},
		{"staff of PE-MDD filtering by status see only PE-MDD", hs.token("ana", staff.RoleStaff, "PE-MDD"), "/api/tips?status=triaged", []string{mdd.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hs.do("GET", tc.path, tc.token, nil)
			var l listed
			r.json(t, &l)
			if got := strings.Join(l.ids(), ","); r.status != 200 || got != strings.Join(tc.want, ",") {
				t.Errorf("GET %s = %d, ids [%s], want [%s]", tc.path, r.status, got, strings.Join(tc.want, ","))
			}
		})
	}
}
