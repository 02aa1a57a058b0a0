package storetest

import (
	"errors"
	"testing"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// chainCases test the hash chain of a tip's messages.
var chainCases = []Case{
	{"each message stored carries a SHA-256 chained to the previous one, inbound and outbound", testChain},
	{"a save or a follow-up that read the chain before a reply moved it is refused as stale", testChainStale},
}

func testChain(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-chain")
	must(t, s.CreateTip(ctx, n))
	c.Advance(time.Minute)
	read, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	must(t, s.AppendMessage(ctx, followUp(c, read, "SMchain1", "es en el km 108")))
	c.Advance(time.Minute)
	must(t, s.AddOutbound(ctx, n.Tip.ID, &tip.Message{SID: "SMchainout", Body: "Gracias, ¿sigue ahí?", CreatedAt: c.Now()},
		tip.Audit{Actor: "staff:ana", Action: "reply"}))
	c.Advance(time.Minute)
	read, err = s.Tip(ctx, n.Tip.ID)
	must(t, err)
	must(t, s.AppendMessage(ctx, followUp(c, read, "SMchain2", "sí, hay dos")))
	msgs, err := s.Messages(ctx, n.Tip.ID)
	must(t, err)
	if len(msgs) != 4 {
		t.Fatalf("got %d messages, want 4", len(msgs))
	}
	prev := ""
	for i, m := range msgs {
		if m.PrevHash != prev || m.Hash != tip.ChainHash(prev, n.Tip.ID, m) || len(m.Hash) != 64 {
			t.Errorf("message %d (%s): prev %q hash %q, want prev %q and its own hash", i, m.SID, m.PrevHash, m.Hash, prev)
		}
		prev = m.Hash
	}
	got, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	if got.ChainHead != prev {
		t.Errorf("got chain head %q, want the last message's hash %q", got.ChainHead, prev)
	}
	changed := msgs[1]
	changed.Body = "es en el km 107"
	if tip.ChainHash(changed.PrevHash, n.Tip.ID, changed) == msgs[1].Hash {
		t.Error("a changed body hashes the same")
	}
}

func testChainStale(t *testing.T, f Factory) {
	s, c, ctx := setup(t, f)
	n := newTip(c, "rk-chain-stale")
	must(t, s.CreateTip(ctx, n))
	read, err := s.Tip(ctx, n.Tip.ID)
	must(t, err)
	c.Advance(time.Minute)
	must(t, s.AddOutbound(ctx, n.Tip.ID, &tip.Message{SID: "SMstaleout", Body: "hola", CreatedAt: c.Now()},
		tip.Audit{Actor: "staff:ana", Action: "reply"}))
	if err := s.AppendMessage(ctx, followUp(c, read, "SMstale1", "otra cosa")); !errors.Is(err, store.ErrStale) {
		t.Errorf("got %v appending after a reply moved the chain, want ErrStale", err)
	}
	read.Status = tip.StatusClosed
	if err := s.SaveTip(ctx, read); !errors.Is(err, store.ErrStale) {
		t.Errorf("got %v saving after a reply moved the chain, want ErrStale", err)
	}
}
