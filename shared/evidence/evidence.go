// Package evidence makes and checks the record of a tip a prosecutor can
// trust: a JSON bundle of the tip, its messages with their Twilio SIDs,
// times and chained hashes, the SHA-256 of each media item, the triage, the
// alerts and the audit trail, signed with Ed25519.
//
// Two things show a change. Each message carries the SHA-256 chained to the
// previous one that the store computed when it stored it (tip.ChainHash):
// a message changed in the table since, or in the bundle, no longer
// matches its hash, and a message removed breaks the chain. Each section
// has a digest, and the signature covers everything: a byte changed
// anywhere else fails the signature and the section's digest names where.
//
// The bundle never holds the reporter's number: not the sealed contact,
// not the reporter key, not the number the message came from.
package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tipline/shared/tip"
)

// Format names the bundle's version.
const Format = "tipline-evidence/1"

// Bundle is the evidence record of one tip.
type Bundle struct {
	Format      string      `json:"format"`
	GeneratedAt time.Time   `json:"generated_at"`
	GeneratedBy string      `json:"generated_by"`
	Tip         Tip         `json:"tip"`
	Messages    []Message   `json:"messages"`
	Alerts      []tip.Alert `json:"alerts"`
	Audit       []tip.Audit `json:"audit"`
	Digests     Digests     `json:"digests"`
	Signature   Signature   `json:"signature"`
}

// Tip is the tip as stored, without anything of the reporter.
type Tip struct {
	ID             string      `json:"id"`
	Ref            string      `json:"ref"`
	Channel        tip.Channel `json:"channel"`
	Status         tip.Status  `json:"status"`
	CampaignID     string      `json:"campaign_id"`
	MaterialID     string      `json:"material_id"`
	Text           string      `json:"text"`
	Triage         tip.Triage  `json:"triage"`
	Corrected      []string    `json:"corrected"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	ForwardedAt    time.Time   `json:"forwarded_at,omitzero"`
	AcknowledgedAt time.Time   `json:"acknowledged_at,omitzero"`
	ChainHead      string      `json:"chain_head"`
}

// Message is a stored message with its hashes and its media's.
type Message struct {
	SID       string        `json:"sid"`
	Direction string        `json:"direction"`
	Body      string        `json:"body"`
	Media     []Media       `json:"media"`
	Location  *tip.Location `json:"location,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	PrevHash  string        `json:"prev_hash"`
	Hash      string        `json:"hash"`
}

// Media is a media reference and the SHA-256 of its content when exported.
type Media struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256,omitempty"`
	Bytes       int64  `json:"bytes,omitempty"`
	Unavailable string `json:"unavailable,omitempty"` // why it could not be read
}

// Digests are the SHA-256 of each section's JSON.
type Digests struct {
	Tip      string `json:"tip"`
	Messages string `json:"messages"`
	Alerts   string `json:"alerts"`
	Audit    string `json:"audit"`
}

// Signature is the Ed25519 signature of the bundle's JSON with an empty
// signature.
type Signature struct {
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"` // base64
	Value     string `json:"value"`      // base64
}

// Key is the signing key: the 32-byte seed given (EVIDENCE_KEY, held in
// Secrets Manager), or one derived from the reporter key secret, which is
// held there too, so a deployment without its own evidence key still signs.
func Key(seed []byte, reporterSecret string) ed25519.PrivateKey {
	if len(seed) != ed25519.SeedSize {
		m := hmac.New(sha256.New, []byte(reporterSecret))
		m.Write([]byte("tipline evidence signing key v1"))
		seed = m.Sum(nil)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// PublicKey is the base64 public key of a signing key, as bundles carry it.
func PublicKey(k ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
}

// FromTip is the tip part of a bundle.
func FromTip(t *tip.Tip) Tip {
	corrected := t.Corrected
	if corrected == nil {
		corrected = []string{}
	}
	return Tip{ID: t.ID, Ref: t.Ref, Channel: t.Channel, Status: t.Status, CampaignID: t.CampaignID, MaterialID: t.MaterialID,
		Text: t.Text, Triage: t.Triage, Corrected: corrected, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		ForwardedAt: t.ForwardedAt.UTC(), AcknowledgedAt: t.AcknowledgedAt.UTC(), ChainHead: t.ChainHead}
}

// FromMessage is a message of a bundle; media hashes are the caller's.
func FromMessage(m tip.Message) Message {
	out := Message{SID: m.SID, Direction: m.Direction, Body: m.Body, Media: []Media{}, Location: m.Location,
		CreatedAt: m.CreatedAt.UTC(), PrevHash: m.PrevHash, Hash: m.Hash}
	for _, md := range m.Media {
		out.Media = append(out.Media, Media{URL: md.URL, ContentType: md.ContentType})
	}
	return out
}

func (m Message) stored() tip.Message {
	out := tip.Message{SID: m.SID, Direction: m.Direction, Body: m.Body, Location: m.Location, CreatedAt: m.CreatedAt}
	for _, md := range m.Media {
		out.Media = append(out.Media, tip.Media{URL: md.URL, ContentType: md.ContentType})
	}
	return out
}

func digest(v any) string {
	b, _ := json.Marshal(v)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (b *Bundle) digests() Digests {
	return Digests{Tip: digest(b.Tip), Messages: digest(b.Messages), Alerts: digest(b.Alerts), Audit: digest(b.Audit)}
}

// signed is the bundle's JSON with an empty signature: what is signed.
func (b Bundle) signed() []byte {
	b.Signature = Signature{}
	out, _ := json.Marshal(b)
	return out
}

// Sign fills in the digests and the signature.
func (b *Bundle) Sign(k ed25519.PrivateKey) {
	if b.Messages == nil {
		b.Messages = []Message{}
	}
	if b.Alerts == nil {
		b.Alerts = []tip.Alert{}
	}
	if b.Audit == nil {
		b.Audit = []tip.Audit{}
	}
	b.Format = Format
	b.Digests = b.digests()
	b.Signature = Signature{Algorithm: "Ed25519", PublicKey: PublicKey(k)}
	b.Signature.Value = base64.StdEncoding.EncodeToString(ed25519.Sign(k, b.signed()))
}

// Problem is one thing Verify found changed, named for people.
type Problem string

// Parse reads a bundle file, refusing fields a bundle does not have.
func Parse(raw []byte) (*Bundle, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var b Bundle
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("evidence: not a bundle: %w", err)
	}
	if dec.More() {
		return nil, errors.New("evidence: not a bundle: more than one JSON value")
	}
	return &b, nil
}

// Verify checks a bundle against the public key it must be signed with
// (base64) and returns what changed: none when it verifies. It names each
// message whose content no longer matches the hash stored with it, each
// break in the chain (a message removed, added or reordered), each section
// changed after signing, and a signature that does not hold.
func Verify(b *Bundle, publicKey string) []Problem {
	var out []Problem
	add := func(format string, args ...any) { out = append(out, Problem(fmt.Sprintf(format, args...))) }
	if b.Format != Format {
		add("format is %q, not %q", b.Format, Format)
	}
	prev := ""
	for i, m := range b.Messages {
		name := fmt.Sprintf("message %d (%s, %s)", i+1, m.SID, m.CreatedAt.Format(time.RFC3339))
		if m.Hash == "" {
			add("%s has no hash: it was stored before messages were chained", name)
			prev = ""
			continue
		}
		if m.PrevHash != prev {
			add("%s does not follow the message before it: a message was removed, added or reordered before it", name)
		}
		if tip.ChainHash(m.PrevHash, b.Tip.ID, m.stored()) != m.Hash {
			add("%s: its content (body, media, place or time) is not what was stored: changed in the table or in the bundle", name)
		}
		prev = m.Hash
	}
	if prev != "" && prev != b.Tip.ChainHead {
		add("the last message is not the tip's last stored one: a message at the end was removed")
	}
	d := b.digests()
	for _, s := range []struct{ name, got, want string }{{"tip", d.Tip, b.Digests.Tip}, {"messages", d.Messages, b.Digests.Messages},
		{"alerts", d.Alerts, b.Digests.Alerts}, {"audit", d.Audit, b.Digests.Audit}} {
		if s.got != s.want {
			add("the %s section was changed after the bundle was signed", s.name)
		}
	}
	sig, err := base64.StdEncoding.DecodeString(b.Signature.Value)
	pub, perr := base64.StdEncoding.DecodeString(publicKey)
	switch {
	case perr != nil || len(pub) != ed25519.PublicKeySize:
		add("the public key to check against is not a base64 Ed25519 key")
	case b.Signature.PublicKey != publicKey:
		add("the bundle is signed with another key (%s), not the tip line's (%s)", b.Signature.PublicKey, publicKey)
	case err != nil || !ed25519.Verify(pub, b.signed(), sig):
		if len(out) == 0 {
			add("the signature does not hold: the bundle's header (format, time, who exported it, digests) or the signature itself was changed")
		} else {
			add("the signature does not hold")
		}
	}
	return out
}
