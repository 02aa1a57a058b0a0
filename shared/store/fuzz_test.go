package store_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// FuzzListTipsCursor gives ListTips any cursor, raw or as base64 of any
// JSON: it lists a page or answers invalid, never another kind of error.
func FuzzListTipsCursor(f *testing.F) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)
	s := store.New(db, "tipline", func() time.Time { return at })
	for i := 0; i < 4; i++ {
		id := fmt.Sprintf("01TIPCURSOR000000000000%03d", i)
		tp := &tip.Tip{ID: id, Ref: fmt.Sprintf("CUR%03d", i), Status: []tip.Status{tip.StatusTriaged, tip.StatusForwarded}[i%2],
			ReporterKey: "rk", Triage: tip.Triage{Urgency: tip.High, Region: "PE-MDD"}, CreatedAt: at.Add(time.Duration(i) * time.Minute), Version: 1}
		if err := s.CreateTip(ctx, store.NewTip{Tip: tp, Message: &tip.Message{SID: "SM" + id, CreatedAt: at}}); err != nil {
			f.Fatal(err)
		}
	}
	for _, q := range []store.TipQuery{{Limit: 1}, {Limit: 1, Region: "PE-MDD"}, {Limit: 1, Statuses: []tip.Status{tip.StatusTriaged}}} {
		page, err := s.ListTips(ctx, q)
		if err != nil {
			f.Fatal(err)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(page.NextCursor)
		f.Add(string(raw), false, uint8(0))
		f.Add(page.NextCursor, true, uint8(1))
	}
	f.Add(`{"q":"x","p":"1#a#b","s":[{"a":{"PK":"TIP#x","SK":"TIP","GSI1PK":"QUEUE#new","GSI1SK":"\u0000"}}]}`, false, uint8(2))
	f.Fuzz(func(t *testing.T, cursor string, raw bool, which uint8) {
		if !raw {
			cursor = base64.RawURLEncoding.EncodeToString([]byte(cursor))
		}
		q := []store.TipQuery{{Limit: 1}, {Limit: 1, Region: "PE-MDD"}, {Limit: 1, Statuses: []tip.Status{tip.StatusTriaged}}}[int(which)%3]
		q.Cursor = cursor
		if _, err := s.ListTips(ctx, q); err != nil && !tip.Is(err, tip.KindInvalid) {
			t.Fatalf("ListTips(cursor %q) error = %v, want a page or invalid", cursor, err)
		}
	})
}
