package alert_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// patchStatus asks the staff API to move the env's only tip to status and
// returns the HTTP status.
func (e *env) patchStatus(api staffClient, id, status, note string) int {
	e.t.Helper()
	body := fmt.Sprintf(`{"version":%d,"status":%q,"note":%q}`, e.mustTip(id).Version, status, note)
	code, _ := api.do(http.MethodPatch, "/api/tips/"+id, body)
	return code
}

func (e *env) onlyTip() string {
	e.t.Helper()
	page, err := e.store.ListTips(e.ctx, store.TipQuery{})
	if err != nil || len(page.Tips) != 1 {
		e.t.Fatalf("queue: %v, %v; want one tip", page.Tips, err)
	}
	return page.Tips[0].ID
}

func TestStaffStatusNeverStopsTheAlertsOfAMinor(t *testing.T) {
	t.Run("staff changes to acknowledged, closed or spam leave the alerts going out and the escalation running", func(t *testing.T) {
		e := newEnv(t)
		e.send(e.webhook(), "SM0000000000000000000000000000st01", reporterNum, criticalText)
		id := e.onlyTip()
		if tp := e.mustTip(id); !tp.Reportable || !tp.Minor {
			t.Fatalf("triage: reportable %v, minor %v; the test needs a reportable tip with a minor", tp.Reportable, tp.Minor)
		}
		ana := e.staffAPI(staff.RoleStaff, "PE-MDD")
		for _, st := range []string{"acknowledged", "closed", "spam", "forwarded"} {
			if code := e.patchStatus(ana, id, st, "visto"); code == http.StatusOK {
				t.Errorf("staff moved the unforwarded tip to %s", st)
			}
		}
		e.clock.Advance(time.Minute)
		e.sweep()
		first := len(e.fake.Outbox())
		if first == 0 || e.mustTip(id).Status != tip.StatusForwarded {
			t.Fatalf("%d alerts, status %s; want the tip forwarded", first, e.mustTip(id).Status)
		}
		for _, st := range []string{"acknowledged", "closed", "spam"} {
			if code := e.patchStatus(ana, id, st, "visto"); code == http.StatusOK {
				t.Errorf("staff moved the forwarded tip to %s", st)
			}
		}
		e.clock.Advance(testEscCrit + time.Minute)
		e.sweep()
		if n := len(e.fake.Outbox()); n <= first {
			t.Errorf("%d alerts after the escalation time, want more than the first tier's %d", n, first)
		}
		if r, _ := e.store.Route(e.ctx, id); r.State != tip.RouteRouted || r.Tier < 2 {
			t.Errorf("route %s at tier %d, want routed and escalated", r.State, r.Tier)
		}
		e.atMostOnce()
	})
	t.Run("a supervisor's close with a note stops the escalation and is audited", func(t *testing.T) {
		e := newEnv(t)
		e.send(e.webhook(), "SM0000000000000000000000000000st02", reporterNum, criticalText)
		id := e.onlyTip()
		e.clock.Advance(time.Minute)
		e.sweep()
		first := len(e.fake.Outbox())
		sup := e.staffAPI(staff.RoleSupervisor)
		if code := e.patchStatus(sup, id, "closed", ""); code != http.StatusBadRequest {
			t.Errorf("a close without a note answered %d, want 400", code)
		}
		if code := e.patchStatus(sup, id, "closed", "duplicado de un aviso ya atendido por la fiscalía"); code != http.StatusOK {
			t.Fatalf("the supervisor's close answered %d, want 200", code)
		}
		e.clock.Advance(testEscCrit + time.Minute)
		e.sweep()
		if n := len(e.fake.Outbox()); n != first {
			t.Errorf("%d alerts after the close, want none", n-first)
		}
		closed, stopped := false, false
		audit, err := e.store.Audit(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range audit {
			if a.Actor == "staff:user-supervisor" && a.Detail["status"] == "forwarded -> closed" && a.Detail["alerting"] == "stopped" && a.Detail["note"] != "" {
				closed = true
			}
			if a.Action == "escalation.stopped" {
				stopped = true
			}
		}
		if !closed || !stopped {
			t.Errorf("audit %+v: want the supervisor's close with its note (%v) and the escalation stopped (%v)", audit, closed, stopped)
		}
	})
	t.Run("a tip marked acknowledged without an authority's acknowledgement keeps escalating", func(t *testing.T) {
		e := newEnv(t)
		e.send(e.webhook(), "SM0000000000000000000000000000st03", reporterNum, criticalText)
		id := e.onlyTip()
		e.clock.Advance(time.Minute)
		e.sweep()
		first := len(e.fake.Outbox())
		tp := e.mustTip(id)
		tp.Status = tip.StatusAcknowledged // as a tip acknowledged by staff before staff could no longer
		if err := e.store.SaveTip(e.ctx, tp); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(testEscCrit + time.Minute)
		e.sweep()
		if n := len(e.fake.Outbox()); n <= first {
			t.Errorf("%d alerts after the escalation time, want more than the first tier's %d", n, first)
		}
	})
}
