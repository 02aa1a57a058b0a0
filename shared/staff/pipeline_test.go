package staff_test

import (
	"net/http"
	"testing"

	"tipline/shared/alert"
	"tipline/shared/reply"
	"tipline/shared/staff"
	"tipline/shared/tip"
)

// A manual forward goes through the real alert pipeline: alerts are
// written for the authority's contacts, the tip is forwarded, and the
// detail shows the alerts and the forward in the audit trail.
func TestForwardThroughThePipeline(t *testing.T) {
	hs := newHarness(t)
	texts, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := alert.New(alert.Config{}, alert.Deps{Store: hs.store, Texts: texts, Replies: book, Log: slogJSON(lockedWriter{hs.logMu, hs.logs}), Now: hs.clock.Now})
	h := staff.New(staff.Deps{Store: hs.store, Auth: hs.tokens, Log: slogJSON(lockedWriter{hs.logMu, hs.logs}), Forwarder: d, Now: hs.clock.Now})
	hs.h = h
	authority := tip.Authority{ID: "fistrap-mdd", Name: "FISTRAP Madre de Dios", Institution: "Ministerio Público",
		Regions: []string{"PE-MDD"}, Active: true, Contacts: []tip.Contact{{Channel: tip.SMS, Address: "+51999000001", Tier: 1}}}
	hs.secrets = append(hs.secrets, authority.Contacts[0].Address)
	if err := hs.store.PutAuthority(t.Context(), authority); err != nil {
		t.Fatal(err)
	}
	tp := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Medium})
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")

	r := hs.do("POST", "/api/tips/"+tp.ID+"/forward", ana, map[string]string{"authority_id": "fistrap-mdd"})
	if r.status != http.StatusAccepted {
		t.Fatalf("forward = %d %s", r.status, r.body)
	}
	if r := hs.do("POST", "/api/tips/"+tp.ID+"/forward", ana, map[string]string{"authority_id": "nobody"}); r.status != http.StatusNotFound {
		t.Errorf("forward to an unknown authority = %d %s, want 404", r.status, r.body)
	}
	r = hs.do("GET", "/api/tips/"+tp.ID, ana, nil)
	var got struct {
		Status string `json:"status"`
		Alerts []struct {
			AuthorityID string `json:"authority_id"`
			Actor       string `json:"actor"`
		} `json:"alerts"`
		Audit []tip.Audit `json:"audit"`
	}
	r.json(t, &got)
	if got.Status != "forwarded" || len(got.Alerts) != 1 || got.Alerts[0].AuthorityID != "fistrap-mdd" || got.Alerts[0].Actor != "staff:ana" {
		t.Errorf("after the forward: status %s, alerts %+v", got.Status, got.Alerts)
	}
	forwarded := false
	for _, a := range got.Audit {
		forwarded = forwarded || (a.Action == "forward" && a.Actor == "staff:ana")
	}
	if !forwarded {
		t.Errorf("audit = %+v, want ana's forward", got.Audit)
	}
}
