// Package contact protects reporters' phone numbers: a keyed hash identifies
// a reporter without the number, and the number itself is kept only sealed
// with AES-GCM, or not at all in anonymous mode.
package contact

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Keeper hashes and seals reporter addresses. It is safe for concurrent use.
type Keeper struct {
	secret []byte
	aead   cipher.AEAD // nil in anonymous mode
	rand   io.Reader
}

// NewKeeper returns a keeper. secret keys the reporter hash (at least 16
// bytes); sealKey is a 32-byte AES-256 key, or nil for anonymous mode, where
// numbers are never stored.
func NewKeeper(secret, sealKey []byte) (*Keeper, error) {
	if len(secret) < 16 {
		return nil, errors.New("contact: reporter key secret must be at least 16 bytes")
	}
	k := &Keeper{secret: secret, rand: rand.Reader}
	if sealKey != nil {
		if len(sealKey) != 32 {
			return nil, fmt.Errorf("contact: sealing key must be 32 bytes, got %d", len(sealKey))
		}
		block, err := aes.NewCipher(sealKey)
		if err != nil {
			return nil, err
		}
		if k.aead, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// DecodeKey reads a 32-byte key written as base64 or hex.
func DecodeKey(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("contact: key must be 32 bytes in base64 or hex")
}

// Anonymous reports whether numbers are never stored.
func (k *Keeper) Anonymous() bool { return k.aead == nil }

// Key returns the reporter key of an E.164 number: a hex HMAC-SHA256.
func (k *Keeper) Key(number string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(number))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts an address for storage; it returns nil in anonymous mode.
// The reporter key is bound as associated data, so a sealed address cannot
// be moved to another reporter's record.
func (k *Keeper) Seal(address, reporterKey string) ([]byte, error) {
	if k.aead == nil {
		return nil, nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		return nil, fmt.Errorf("contact: nonce: %w", err)
	}
	return k.aead.Seal(nonce, nonce, []byte(address), []byte(reporterKey)), nil
}

// Open decrypts a sealed address.
func (k *Keeper) Open(sealed []byte, reporterKey string) (string, error) {
	if k.aead == nil {
		return "", errors.New("contact: anonymous mode keeps no addresses")
	}
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("contact: sealed address too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(reporterKey))
	if err != nil {
		return "", errors.New("contact: sealed address does not open")
	}
	return string(plain), nil
}
