package localdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/store"
	"tipline/shared/tip"
)

func sampleTip(id, sid string) store.NewTip {
	now := time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)
	return store.NewTip{
		Tip: &tip.Tip{ID: id, Ref: "R" + id, Channel: tip.SMS, Status: tip.StatusTriaged, ReporterKey: "rk-" + id,
			Text: "hola", MessageCount: 1, Contact: []byte{1, 2, 3},
			Triage: tip.Triage{Urgency: tip.Low, Category: tip.CategoryNone, Region: "PE-MDD", Place: "Mazuko", Language: tip.LangSpanish,
				Reasons: []string{"urgencia baja", "región PE-MDD"}}, CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1},
		Message: &tip.Message{SID: sid, Direction: tip.Inbound, Body: "hola", CreatedAt: now},
		Reply:   "<Response/>", Window: time.Hour,
	}
}

// TestEmbeddedFailedTransactionKeepsItems: after a cancelled transaction
// every item reads back as it was (minidyn v0.8.2 alone restores a
// snapshot that leaves attributes of no type, which every later read
// refuses with ValidationException).
func TestEmbeddedFailedTransactionKeepsItems(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "tipline")
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(db, "tipline", func() time.Time { return time.Date(2026, 11, 20, 22, 16, 0, 0, time.UTC) })
	first := sampleTip("T1", "SM1")
	if err := s.CreateTip(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := sampleTip("T2", "SM1") // the same MessageSid: cancelled
	if err := s.CreateTip(ctx, again); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second CreateTip error = %v, want ErrDuplicate", err)
	}
	other := sampleTip("T3", "SM3")
	other.Tip.ReporterKey = first.Tip.ReporterKey // the conversation is open: cancelled
	if _, _, err := s.CreateFirst(ctx, other, "+51987650001"); !errors.Is(err, store.ErrConversationOpen) {
		t.Fatalf("third CreateTip error = %v, want ErrConversationOpen", err)
	}
	read, err := s.Tip(ctx, "T1")
	if err != nil {
		t.Fatalf("Tip(T1) after a cancelled transaction: %v", err)
	}
	now := read.CreatedAt.Add(time.Minute)
	err = s.AppendMessage(ctx, store.FollowUp{Tip: read, Text: "hola\nmas", Triage: read.Triage,
		Message: &tip.Message{SID: "SM4", Direction: tip.Inbound, Body: "mas", CreatedAt: now}, Reply: "<Response/>", Window: time.Hour})
	if err != nil {
		t.Errorf("AppendMessage after a cancelled transaction: %v", err)
	}
	if _, err := s.Messages(ctx, "T1"); err != nil {
		t.Errorf("Messages(T1) after a cancelled transaction: %v", err)
	}
	if _, err := s.Tip(ctx, "T2"); !tip.Is(err, tip.KindNotFound) {
		t.Errorf("Tip(T2) error = %v, want not found", err)
	}
}
