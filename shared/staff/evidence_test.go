package staff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/evidence"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
)

var evidenceKey = evidence.Key(nil, "test-reporter-secret-0123456789")

func TestEvidenceBundle(t *testing.T) {
	hs := newHarness(t)
	tp := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Critical, text: "Tienen a dos chicas de 15 años en el bar Las Palmeras"})
	ctx := context.Background()
	read, err := hs.store.Tip(ctx, tp.ID)
	if err != nil {
		t.Fatal(err)
	}
	follow := &tip.Message{SID: "SM0000000000000000000000000000ev02", Direction: tip.Inbound, Body: "es en el km 108", CreatedAt: hs.clock.Now()}
	if err := hs.store.AppendMessage(ctx, store.FollowUp{Tip: read, Text: read.Text + "\nes en el km 108", Triage: read.Triage, Message: follow, Reply: "ok"}); err != nil {
		t.Fatal(err)
	}
	hs.clock.Advance(1)
	if r := hs.do("POST", "/api/tips/"+tp.ID+"/reply", hs.token("sup", staff.RoleSupervisor), map[string]string{"body": "Gracias, ¿siguen ahí?"}); r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("reply = %d %s", r.status, r.body)
	}
	sup := hs.token("sup", staff.RoleSupervisor)
	pub := evidence.PublicKey(evidenceKey)
	export := func() ([]byte, *evidence.Bundle) {
		t.Helper()
		r := hs.do("GET", "/api/tips/"+tp.ID+"/evidence", sup, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET evidence = %d %s", r.status, r.body)
		}
		b, err := evidence.Parse(r.body)
		if err != nil {
			t.Fatal(err)
		}
		return r.body, b
	}
	raw, b := export()

	t.Run("a bundle verifies, with every message chained and the media hashed", func(t *testing.T) {
		if p := evidence.Verify(b, pub); len(p) != 0 {
			t.Fatalf("got problems %v, want none", p)
		}
		if len(b.Messages) != 3 || b.Messages[0].Media[0].SHA256 == "" || b.Messages[1].SID != follow.SID || b.Messages[2].Direction != tip.Outbound {
			t.Errorf("got messages %+v", b.Messages)
		}
		if b.Tip.Ref != tp.Ref || len(b.Audit) == 0 || b.Audit[len(b.Audit)-1].Action != "evidence.exported" {
			t.Errorf("got tip %s and audit %+v", b.Tip.Ref, b.Audit)
		}
	})
	t.Run("the bundle holds no reporter number", func(t *testing.T) {
		for _, s := range hs.secrets {
			if strings.HasPrefix(s, "+519876") && bytes.Contains(raw, []byte(strings.TrimPrefix(s, "+51"))) {
				t.Errorf("the bundle holds the reporter's number %s", s)
			}
		}
		for _, field := range []string{"reporter", "contact\"", "\"from\"", "\"to\"", "address"} {
			if bytes.Contains(raw, []byte(field)) {
				t.Errorf("the bundle has a field %s", field)
			}
		}
	})
	t.Run("staff may not export evidence", func(t *testing.T) {
		if r := hs.do("GET", "/api/tips/"+tp.ID+"/evidence", hs.token("ana", staff.RoleStaff, "PE-MDD"), nil); r.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", r.status)
		}
	})
	for _, tc := range []struct {
		name  string
		alter func([]byte) []byte
		want  string
	}{
		{"one byte of the tip's text", func(b []byte) []byte { return bytes.Replace(b, []byte("Palmeras"), []byte("Palmerax"), 1) }, "tip section"},
		{"one byte of a message's body", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"body":"es en el km 108"`), []byte(`"body":"es en el km 109"`), 1)
		}, "message 2 (" + follow.SID},
		{"a message removed", func(b []byte) []byte {
			x, _ := evidence.Parse(b)
			x.Messages = append(x.Messages[:1], x.Messages[2:]...)
			return mustJSON(t, x)
		}, "does not follow"},
		{"one byte of the export time", func(b []byte) []byte {
			return bytes.Replace(b, []byte("\"generated_at\":\"2"), []byte("\"generated_at\":\"1"), 1)
		}, "signature does not hold"},
	} {
		t.Run("altering "+tc.name+" fails and names it", func(t *testing.T) {
			altered := tc.alter(append([]byte(nil), raw...))
			if bytes.Equal(altered, raw) {
				t.Fatal("the alteration changed nothing")
			}
			x, err := evidence.Parse(altered)
			if err != nil {
				t.Fatal(err)
			}
			problems := evidence.Verify(x, pub)
			if !strings.Contains(join(problems), tc.want) {
				t.Errorf("got problems %v, want one naming %q", problems, tc.want)
			}
		})
	}
	t.Run("a message altered in the table fails the next export's bundle and is named", func(t *testing.T) {
		msgs, err := hs.store.Messages(ctx, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = hs.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(hs.name),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "TIP#" + tp.ID},
				"SK": &types.AttributeValueMemberS{Value: "MSG#" + msgs[1].CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + msgs[1].SID}},
			UpdateExpression:          aws.String("SET body = :b"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: "es en el km 50"}}})
		if err != nil {
			t.Fatal(err)
		}
		_, b := export()
		problems := evidence.Verify(b, pub)
		if !strings.Contains(join(problems), "message 2 ("+follow.SID) || !strings.Contains(join(problems), "not what was stored") {
			t.Errorf("got problems %v, want message 2 named as changed", problems)
		}
	})
	t.Run("another key's signature fails", func(t *testing.T) {
		other := evidence.PublicKey(evidence.Key(nil, "another-deployment-secret"))
		if p := evidence.Verify(b, other); !strings.Contains(join(p), "another key") {
			t.Errorf("got %v", p)
		}
	})
}

func join(ps []evidence.Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, string(p))
	}
	return strings.Join(s, "\n")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
