package tip

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// chained is what a message's hash covers, in a fixed order: everything
// stored of the message but its hashes.
type chained struct {
	TipID     string    `json:"tip_id"`
	SID       string    `json:"sid"`
	Direction string    `json:"direction"`
	Body      string    `json:"body"`
	Media     []Media   `json:"media"`
	Location  *Location `json:"location"`
	CreatedAt string    `json:"created_at"`
}

// ChainHash is the SHA-256 (hex) of a message of tip tipID chained to the
// hash of the tip's previous message (prev, "" for the first): the hash of
// prev, a newline and the canonical JSON of the message. The store computes
// it when it stores the message and keeps it with it, so a message changed
// or removed later breaks the chain of every message after it.
func ChainHash(prev, tipID string, m Message) string {
	media := m.Media
	if media == nil {
		media = []Media{}
	}
	b, _ := json.Marshal(chained{TipID: tipID, SID: m.SID, Direction: m.Direction, Body: m.Body, Media: media,
		Location: m.Location, CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339Nano)})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte("\n"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
