package intake

import (
	"math/rand/v2"
	"time"
)

// Backoff is capped exponential backoff with full jitter: before attempt
// n+1 it waits a random time up to min(Cap, Base·2ⁿ⁻¹), so that writers
// that met on one item do not meet again in step. See "Exponential Backoff
// And Jitter", AWS Architecture Blog.
type Backoff struct {
	Base, Cap time.Duration
}

// DefaultBackoff suits DynamoDB, whose transactions last tens of
// milliseconds: a conflict clears quickly, and a 3 s deadline leaves room
// for a dozen tries.
var DefaultBackoff = Backoff{Base: 20 * time.Millisecond, Cap: 400 * time.Millisecond}

// Wait returns the wait after attempt (1 for the first try).
func (b Backoff) Wait(attempt int) time.Duration {
	ceiling := b.Base << min(max(attempt-1, 0), 20)
	if ceiling > b.Cap || ceiling <= 0 {
		ceiling = b.Cap
	}
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
}
