package staff_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/staff"
	"tipline/shared/tip"
)

func TestErasure(t *testing.T) {
	hs := newHarness(t)
	gone := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Critical, place: "La Pampa km 108",
		text: "Tienen encerradas a dos chicas en el bar Las Palmeras"})
	kept := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.High})
	// Of a campaign: the campaign queue reads the index the figures read.
	goneOfCampaign := hs.seed(tipSpec{region: "PE-CUS", urgency: tip.High, campaign: "afiches-2026"})
	keptOfCampaign := hs.seed(tipSpec{region: "PE-CUS", urgency: tip.High, campaign: "afiches-2026"})
	admin, sup := hs.token("root", staff.RoleAdmin), hs.token("sup", staff.RoleSupervisor)
	statsPaths := []string{"/api/stats?from=2026-11-20&to=2026-11-21", "/api/stats?from=2026-11-20&to=2026-11-21&region=PE-MDD"}
	before := map[string]string{}
	for _, p := range statsPaths {
		r := hs.do("GET", p, sup, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", p, r.status, r.body)
		}
		before[p] = string(r.body)
	}
	if !strings.Contains(before[statsPaths[1]], `"total":2`) {
		t.Fatalf("figures before erasure %s, want both tips", before[statsPaths[1]])
	}

	for _, tc := range []struct {
		name  string
		token string
		body  any
		want  int
	}{
		{"without a reason is refused", admin, map[string]string{}, http.StatusBadRequest},
		{"with a blank reason is refused", admin, map[string]string{"reason": "  "}, http.StatusBadRequest},
		{"by a supervisor is forbidden", sup, map[string]string{"reason": "asked"}, http.StatusForbidden},
	} {
		t.Run("erasing "+tc.name, func(t *testing.T) {
			if r := hs.do("DELETE", "/api/tips/"+gone.ID, tc.token, tc.body); r.status != tc.want {
				t.Errorf("DELETE = %d %s, want %d", r.status, r.body, tc.want)
			}
		})
	}

	if r := hs.do("DELETE", "/api/tips/"+goneOfCampaign.ID, admin, map[string]string{"reason": "a test tip"}); r.status != http.StatusOK {
		t.Fatalf("DELETE = %d %s", r.status, r.body)
	}
	r := hs.do("DELETE", "/api/tips/"+gone.ID, admin, map[string]string{"reason": "the reporter asked (BORRAR), confirmed by phone"})
	if r.status != http.StatusOK {
		t.Fatalf("DELETE = %d %s", r.status, r.body)
	}
	var ts struct {
		ID, Ref, Urgency, Region, Reason string
		CampaignID                       string `json:"campaign_id"`
		ErasedBy                         string `json:"erased_by"`
	}
	r.json(t, &ts)
	t.Run("the answer is the tombstone: reference, urgency, region, campaign, who and why", func(t *testing.T) {
		if ts.ID != gone.ID || ts.Ref != gone.Ref || ts.Urgency != "critical" || ts.Region != "PE-MDD" ||
			ts.CampaignID != "" || ts.ErasedBy != "staff:root" || !strings.Contains(ts.Reason, "BORRAR") {
			t.Errorf("tombstone %s", r.body)
		}
		for _, s := range []string{"encerradas", "La Pampa", "Palmeras"} {
			if strings.Contains(string(r.body), s) {
				t.Errorf("the tombstone holds %q: %s", s, r.body)
			}
		}
	})
	t.Run("the tip is gone from the lists", func(t *testing.T) {
		for _, c := range []struct {
			path       string
			gone, kept *tip.Tip
		}{
			{"/api/tips", gone, kept}, {"/api/tips?region=PE-MDD", gone, kept}, {"/api/tips?status=triaged", gone, kept},
			{"/api/tips?campaign=afiches-2026", goneOfCampaign, keptOfCampaign},
			{"/api/tips?campaign=afiches-2026&urgency=high", goneOfCampaign, keptOfCampaign},
		} {
			var l listed
			hs.do("GET", c.path, admin, nil).json(t, &l)
			if slices.Contains(l.ids(), c.gone.ID) || !slices.Contains(l.ids(), c.kept.ID) {
				t.Errorf("GET %s lists %v (erased %s, kept %s)", c.path, l.ids(), c.gone.ID, c.kept.ID)
			}
		}
	})
	t.Run("the detail answers 410 gone", func(t *testing.T) {
		if r := hs.do("GET", "/api/tips/"+gone.ID, admin, nil); r.status != http.StatusGone {
			t.Errorf("GET detail = %d %s, want 410", r.status, r.body)
		}
	})
	t.Run("the CSV export leaves it out", func(t *testing.T) {
		for p, c := range map[string][2]*tip.Tip{"/api/tips.csv": {gone, kept}, "/api/tips.csv?campaign=afiches-2026": {goneOfCampaign, keptOfCampaign}} {
			body := string(hs.do("GET", p, admin, nil).body)
			if strings.Contains(body, c[0].ID) || strings.Contains(body, c[0].Ref) || !strings.Contains(body, c[1].ID) {
				t.Errorf("GET %s holds the erased tip or lacks the kept one:\n%s", p, body)
			}
		}
	})
	t.Run("messages and media references are erased from the table", func(t *testing.T) {
		msgs, err := hs.store.Messages(context.Background(), gone.ID)
		if err != nil || len(msgs) != 0 {
			t.Errorf("got messages %v (%v), want none", msgs, err)
		}
	})
	t.Run("the tombstone and its audit entry show to supervisors", func(t *testing.T) {
		r := hs.do("GET", "/api/tips/"+gone.ID+"/tombstone", sup, nil)
		var got struct {
			Ref   string
			Audit []tip.Audit
		}
		r.json(t, &got)
		erased := slices.ContainsFunc(got.Audit, func(a tip.Audit) bool {
			return a.Action == "erased" && a.Actor == "staff:root" && strings.Contains(a.Detail["reason"], "BORRAR")
		})
		if r.status != http.StatusOK || got.Ref != gone.Ref || !erased {
			t.Errorf("GET tombstone = %d %s", r.status, r.body)
		}
		if r := hs.do("GET", "/api/tips/"+kept.ID+"/tombstone", sup, nil); r.status != http.StatusNotFound {
			t.Errorf("GET tombstone of a tip not erased = %d, want 404", r.status)
		}
	})
	t.Run("the campaign figures are unchanged", func(t *testing.T) {
		for _, p := range statsPaths {
			if got := string(hs.do("GET", p, sup, nil).body); got != before[p] {
				t.Errorf("GET %s\n got %s\nwant %s", p, got, before[p])
			}
		}
	})
	t.Run("erasing it again answers the same tombstone", func(t *testing.T) {
		r := hs.do("DELETE", "/api/tips/"+gone.ID, admin, map[string]string{"reason": "again"})
		var again struct{ Reason string }
		r.json(t, &again)
		if r.status != http.StatusOK || again.Reason != ts.Reason {
			t.Errorf("DELETE again = %d %s", r.status, r.body)
		}
	})
}

func TestRetention(t *testing.T) {
	hs := newHarness(t)
	hs.store.WithRetention(730 * 24 * time.Hour)
	tp := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Medium})
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")
	expiries := func() map[string]int64 {
		out, err := hs.db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(hs.name),
			KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "TIP#" + tp.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, it := range out.Items {
			sk := it["SK"].(*types.AttributeValueMemberS).Value
			var at int64
			if n, ok := it["expiresAt"].(*types.AttributeValueMemberN); ok {
				at, _ = strconv.ParseInt(n.Value, 10, 64)
			}
			got[strings.SplitN(sk, "#", 2)[0]] = at
		}
		return got
	}
	if r := hs.do("PATCH", "/api/tips/"+tp.ID, ana, map[string]any{"version": 1, "status": "closed"}); r.status != http.StatusOK {
		t.Fatalf("PATCH closed = %d %s", r.status, r.body)
	}
	closedAt := hs.clock.Now()
	t.Run("closing a tip sets its items to expire RetentionDays later", func(t *testing.T) {
		got := expiries()
		want := closedAt.Add(730 * 24 * time.Hour).Unix()
		for _, kind := range []string{"TIP", "MSG", "AUDIT"} {
			if at, ok := got[kind]; !ok || at < want-120 || at > want+120 {
				t.Errorf("got %s expiring at %d, want about %d (all: %v)", kind, at, want, got)
			}
		}
	})
	if r := hs.do("PATCH", "/api/tips/"+tp.ID, ana, map[string]any{"version": 2, "status": "triaged"}); r.status != http.StatusOK {
		t.Fatalf("PATCH triaged = %d %s", r.status, r.body)
	}
	t.Run("reopening it keeps it again", func(t *testing.T) {
		for kind, at := range expiries() {
			if at != 0 {
				t.Errorf("got %s still expiring at %d after reopening", kind, at)
			}
		}
	})
}
