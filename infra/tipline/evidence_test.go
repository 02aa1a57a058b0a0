package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipline/shared/config"
	"tipline/shared/evidence"
	"tipline/shared/tip"
)

func TestEvidenceVerify(t *testing.T) {
	for _, name := range []string{"SECRET_ID", "EVIDENCE_KEY", "REPORTER_KEY_SECRET"} {
		t.Setenv(name, "")
	}
	at := time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)
	tp := &tip.Tip{ID: "01TIPEVIDENCE0000000000001", Ref: "EVI001", Channel: tip.SMS, Status: tip.StatusForwarded,
		Text: "Tienen a dos chicas en el bar", CreatedAt: at, UpdatedAt: at}
	var msgs []evidence.Message
	prev := ""
	for i, body := range []string{"Tienen a dos chicas en el bar", "es en el km 108"} {
		m := tip.Message{SID: "SM0000000000000000000000000000ev1" + string(rune('0'+i)), Direction: tip.Inbound, Body: body,
			CreatedAt: at.Add(time.Duration(i) * time.Minute), PrevHash: prev}
		m.Hash = tip.ChainHash(prev, tp.ID, m)
		prev = m.Hash
		msgs = append(msgs, evidence.FromMessage(m))
	}
	tp.ChainHead = prev
	b := evidence.Bundle{GeneratedAt: at, GeneratedBy: "staff:sup", Tip: evidence.FromTip(tp), Messages: msgs}
	// The local deployment's key, as serve's staff API signs with it.
	b.Sign(evidence.Key(nil, config.LocalReporterSecret))
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		bundle []byte
		fails  bool
		say    string
	}{
		{"an untouched bundle verifies", raw, false, "verified: tip EVI001, 2 messages"},
		{"one byte of a message changed fails and names the message", bytes.Replace(raw, []byte("km 108"), []byte("km 109"), 1), true, "message 2 (SM0000000000000000000000000000ev11"},
		{"one byte of the tip's text changed fails and names the section", bytes.Replace(raw, []byte(`"text":"Tienen`), []byte(`"text":"Tenien`), 1), true, "the tip section was changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			if err := os.WriteFile(file, tc.bundle, 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			err := run([]string{"evidence", "verify", file}, nil, &out, &errOut)
			if (err != nil) != tc.fails || !strings.Contains(out.String(), tc.say) {
				t.Errorf("got %v and %q, want failure %v saying %q", err, out.String(), tc.fails, tc.say)
			}
		})
	}
}
