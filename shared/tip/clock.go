package tip

import (
	"crypto/rand"
	"io"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Clock tells the time; tests pin it.
type Clock func() time.Time

// IDs makes time-ordered unique identifiers (ULIDs). It is safe for
// concurrent use.
type IDs struct {
	mu      sync.Mutex
	entropy io.Reader
}

// NewIDs returns an ID source reading entropy from r, or from crypto/rand when r is nil.
func NewIDs(r io.Reader) *IDs {
	if r == nil {
		r = rand.Reader
	}
	return &IDs{entropy: ulid.Monotonic(r, 0)}
}

// New returns a new ID for time t.
func (g *IDs) New(t time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), g.entropy).String()
}

// RefAlphabet holds the characters of reference codes: no 0/O, 1/I/L.
const RefAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// RefLen is the length of a reference code.
const RefLen = 6

// NewRef returns a random reference code a reporter can quote.
func NewRef(r io.Reader) (string, error) { return RandomCode(r, RefLen) }

// RandomCode returns n characters drawn uniformly from RefAlphabet, reading
// randomness from r, or from crypto/rand when r is nil. Errors are r's.
func RandomCode(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 1)
	out := make([]byte, 0, n)
	for len(out) < n {
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		// Reject values that would bias the choice.
		if int(b[0]) >= 256-256%len(RefAlphabet) {
			continue
		}
		out = append(out, RefAlphabet[int(b[0])%len(RefAlphabet)])
	}
	return string(out), nil
}
