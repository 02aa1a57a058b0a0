// Package caselink makes and checks the short signed links an alert SMS
// carries to the tip's case page (/case/<token>), and serves that page:
// what the alert carries plus the full text, media and location, and an
// Acknowledge button with the same effect as replying "OK <ref>".
//
// A link is bound to one alert contact (tip, authority, contact), expires
// after a configurable time (72 hours by default) and can be revoked by
// staff: a revocation is an audit entry of the tip, so links issued before
// it stop working and the trail says who revoked them. Every view is an
// audit entry too. The page never shows the reporter's number or the staff
// notes.
package caselink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/oklog/ulid/v2"

	"tipline/shared/tip"
)

// DefaultTTL is how long a case link works.
const DefaultTTL = 72 * time.Hour

// Errors of Verify.
var (
	ErrInvalid = errors.New("caselink: not a valid case link")
	ErrExpired = errors.New("caselink: the case link has expired")
)

// Claim is what a link names: one alert contact and when it was issued.
type Claim struct {
	TipID       string
	AuthorityID string
	Contact     int
	Issued      time.Time
}

// Signer makes and checks links.
type Signer struct {
	Key []byte        // at least 16 bytes; see Key
	TTL time.Duration // default DefaultTTL
	Now tip.Clock
}

// Key derives the signing key of case links from a deployment secret, so
// that no further secret has to be deployed.
func Key(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tipline case links v1"))
	return m.Sum(nil)
}

const macLen = 12 // 96 bits: short enough for an SMS, far beyond guessing

func (s Signer) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Token returns the link's token: the tip id as 16 bytes, the issue time
// in seconds, the contact index and the authority id, then a truncated
// HMAC-SHA256, in unpadded base64url (about 60 characters).
func (s Signer) Token(c Claim) (string, error) {
	id, err := ulid.ParseStrict(c.TipID)
	if err != nil || c.Contact < 0 || c.Contact > 255 || !tip.ValidID(c.AuthorityID) {
		return "", ErrInvalid
	}
	b := make([]byte, 0, 16+4+1+len(c.AuthorityID)+macLen)
	b = append(b, id[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(c.Issued.Unix()))
	b = append(b, byte(c.Contact))
	b = append(b, c.AuthorityID...)
	b = append(b, s.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("case\x00"))
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

// Verify checks a token's signature and age and returns its claim.
// Errors: ErrInvalid, ErrExpired.
func (s Signer) Verify(token string) (Claim, error) {
	if len(token) > 200 {
		return Claim{}, ErrInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 16+4+1+1+macLen {
		return Claim{}, ErrInvalid
	}
	payload, sig := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sig, s.mac(payload)) {
		return Claim{}, ErrInvalid
	}
	var id ulid.ULID
	copy(id[:], payload[:16])
	c := Claim{
		TipID:       id.String(),
		Issued:      time.Unix(int64(binary.BigEndian.Uint32(payload[16:20])), 0).UTC(),
		Contact:     int(payload[20]),
		AuthorityID: string(payload[21:]),
	}
	if s.now().After(c.Issued.Add(s.ttl())) {
		return c, ErrExpired
	}
	return c, nil
}
