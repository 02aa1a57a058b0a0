package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Dir is the local dead-letter queue serve keeps: one JSON file per letter
// in a folder. Files are written whole (a temporary file renamed), so a
// reader never sees half a letter.
type Dir struct {
	Path string
	Now  func() time.Time
}

func (d Dir) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Add keeps the records a consumer reported failed in a batch as one letter
// per record (named by its sequence number, so the same failure twice is
// one letter).
func (d Dir) Add(function, reason string, ev events.DynamoDBEvent, failed []events.DynamoDBBatchItemFailure) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("deadletter: %w", err)
	}
	bySeq := map[string]events.DynamoDBEventRecord{}
	for _, r := range ev.Records {
		bySeq[r.Change.SequenceNumber] = r
	}
	var errs []error
	for _, f := range failed {
		r, ok := bySeq[f.ItemIdentifier]
		if !ok {
			continue
		}
		id := safeName(function + "-" + f.ItemIdentifier)
		l := Letter{ID: id, Function: function, Error: reason, FailedAt: d.now().UTC(), Records: []Record{RecordOf(r)}}
		errs = append(errs, d.write(l))
	}
	return errors.Join(errs...)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func (d Dir) write(l Letter) error {
	b, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return fmt.Errorf("deadletter: %w", err)
	}
	tmp, err := os.CreateTemp(d.Path, ".letter-*")
	if err != nil {
		return fmt.Errorf("deadletter: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("deadletter: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("deadletter: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(d.Path, l.ID+".json"))
}

// Letters implements Queue: every letter of the folder, oldest first. A
// folder that does not exist holds none.
func (d Dir) Letters(ctx context.Context) ([]Letter, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deadletter: %w", err)
	}
	var out []Letter
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.Path, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("deadletter: %w", err)
		}
		var l Letter
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("deadletter: %s: %w", e.Name(), err)
		}
		l.handle = e.Name()
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FailedAt.Before(out[j].FailedAt) })
	return out, nil
}

// Delete implements Queue.
func (d Dir) Delete(ctx context.Context, l Letter) error {
	err := os.Remove(filepath.Join(d.Path, l.handle))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deadletter: %w", err)
	}
	return nil
}

// Release implements Queue: a file is never hidden.
func (d Dir) Release(context.Context, Letter) error { return nil }
