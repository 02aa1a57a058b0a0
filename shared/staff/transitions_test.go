package staff_test

import (
	"net/http"
	"testing"

	"tipline/shared/staff"
	"tipline/shared/tip"
)

// Staff status changes never stop the alerts of a reportable tip about a
// minor or danger now: acknowledged comes from the authority alone, a tip
// not yet forwarded stays in the triaged queue, and only a supervisor with
// a note may close such a tip or mark it spam.
func TestStatusTransitions(t *testing.T) {
	hs := newHarness(t)
	staffTok := hs.token("ana", staff.RoleStaff, "PE-MDD")
	supTok := hs.token("sup", staff.RoleSupervisor)
	adminTok := hs.token("root", staff.RoleAdmin)
	minor := tipSpec{region: "PE-MDD", urgency: tip.Critical}
	danger := tipSpec{region: "PE-MDD", urgency: tip.Critical, adult: true, danger: true}
	adult := tipSpec{region: "PE-MDD", urgency: tip.High, adult: true}
	low := tipSpec{region: "PE-MDD", urgency: tip.Low, adult: true}
	with := func(s tipSpec, st tip.Status) tipSpec { s.status = st; return s }
	for _, tc := range []struct {
		name   string
		spec   tipSpec
		token  string
		to     string
		note   string
		status int
		code   string
	}{
		{"staff may not acknowledge a critical tip with a minor before it is forwarded", minor, staffTok, "acknowledged", "", http.StatusConflict, "authority_only"},
		{"staff may not acknowledge a critical tip with a minor once forwarded", with(minor, tip.StatusForwarded), staffTok, "acknowledged", "la fiscalía llamó", http.StatusConflict, "authority_only"},
		{"a supervisor may not acknowledge a reportable tip either", with(minor, tip.StatusForwarded), supTok, "acknowledged", "llamó", http.StatusConflict, "authority_only"},
		{"staff may not acknowledge a reportable tip about an adult", with(adult, tip.StatusForwarded), staffTok, "acknowledged", "", http.StatusConflict, "authority_only"},
		{"staff may not mark forwarded a reportable tip the pipeline has not forwarded", minor, staffTok, "forwarded", "", http.StatusConflict, "not_forwarded"},
		{"staff may not close a critical tip with a minor", minor, staffTok, "closed", "duplicado", http.StatusForbidden, "forbidden"},
		{"staff may not close a forwarded tip with a minor", with(minor, tip.StatusForwarded), staffTok, "closed", "duplicado", http.StatusForbidden, "forbidden"},
		{"staff may not mark spam a critical tip with a minor", minor, staffTok, "spam", "broma", http.StatusForbidden, "forbidden"},
		{"staff may not close a tip with danger now", danger, staffTok, "closed", "duplicado", http.StatusForbidden, "forbidden"},
		{"a supervisor may not close a tip with a minor without a note", minor, supTok, "closed", "", http.StatusBadRequest, "invalid"},
		{"a supervisor may not mark spam a tip with danger now without a note", danger, supTok, "spam", "  ", http.StatusBadRequest, "invalid"},
		{"a supervisor closes a tip with a minor with a note", minor, supTok, "closed", "duplicado del aviso R00001, ya atendido", http.StatusOK, ""},
		{"an admin marks spam a tip with danger now with a note", with(danger, tip.StatusForwarded), adminTok, "spam", "número de prueba del equipo", http.StatusOK, ""},
		{"staff may close a reportable tip about an adult without danger", with(adult, tip.StatusForwarded), staffTok, "closed", "", http.StatusOK, ""},
		{"staff may acknowledge a tip that is not reportable", low, staffTok, "acknowledged", "", http.StatusOK, ""},
		{"staff may close a tip that is not reportable", low, staffTok, "closed", "", http.StatusOK, ""},
		{"staff may put a forwarded tip with a minor back in the triaged queue", with(minor, tip.StatusForwarded), staffTok, "triaged", "", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := hs.seed(tc.spec)
			body := map[string]any{"version": tp.Version, "status": tc.to}
			if tc.note != "" {
				body["note"] = tc.note
			}
			r := hs.do("PATCH", "/api/tips/"+tp.ID, tc.token, body)
			if r.status != tc.status {
				t.Fatalf("PATCH status %s = %d %s, want %d", tc.to, r.status, r.body, tc.status)
			}
			got, err := hs.store.Tip(t.Context(), tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			audit, err := hs.store.Audit(t.Context(), tp.ID)
			if err != nil {
				t.Fatal(err)
			}
			changed := false
			for _, a := range audit {
				if a.Detail["status"] != "" {
					changed = true
					stops := protectedSpec(tc.spec) && (tc.to == "closed" || tc.to == "spam")
					if stops && a.Detail["alerting"] != "stopped" || a.Detail["note"] != tc.note && tc.note != "" {
						t.Errorf("audit entry %+v: want the note and alerting stopped", a)
					}
				}
			}
			if tc.status != http.StatusOK {
				if code := r.errorCode(t); code != tc.code {
					t.Errorf("error code %q, want %q", code, tc.code)
				}
				if got.Status != tp.Status || got.Version != tp.Version || changed {
					t.Errorf("after a refused change: status %s version %d (audited: %v), want %s at %d", got.Status, got.Version, changed, tp.Status, tp.Version)
				}
				return
			}
			if string(got.Status) != tc.to || !changed {
				t.Errorf("status %s (audited: %v), want %s and an audit entry", got.Status, changed, tc.to)
			}
		})
	}
}

func protectedSpec(s tipSpec) bool { return s.urgency.Reportable() && (!s.adult || s.danger) }
