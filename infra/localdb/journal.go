package localdb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/table"
)

// The journal keeps the embedded engine's data on disk: every write that the
// engine applied is followed, before the caller hears of it, by one line in
// DIR/journal.log holding the full image of each item it touched (or its
// deletion), fsynced. At start the lines are replayed into a fresh engine, so
// whatever was answered before a crash, kill -9 included, is there again.
//
// A line is "<crc32 of the JSON, 8 hex digits> <JSON>\n". A line whose
// checksum or JSON does not hold is reported and skipped; an unfinished last
// line (a crash mid-write) is reported and cut off. After replay the journal
// is rewritten as one line per live item (written beside it, fsynced, then
// renamed over it), so it does not grow without bound; a journal that had bad
// lines is first kept as journal-<time>.corrupt for a person to look at.
// Items whose time to live (expiresAt) has passed are left out at replay,
// as DynamoDB would have deleted them.
//
// Item images rather than requests are journalled so that replay never
// re-evaluates a condition or an update expression.

// journalFile is the journal's name inside the data folder.
const journalFile = "journal.log"

// Journal is the embedded engine with its writes journalled to a folder. It
// has the SDK client's methods the store uses and is safe for concurrent use:
// writes are applied and journalled one at a time, so the journal's order is
// the order in which the engine applied them.
type Journal struct {
	db   engine
	keys []string // the table's key attribute names, partition key first
	ttl  string   // the table's time-to-live attribute
	now  func() time.Time

	mu   sync.Mutex
	f    *os.File
	lock io.Closer
	err  error // set once a write could not be journalled: refuse further writes
}

// engine is what the journal needs of the embedded engine.
type engine interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Replay says what opening a journal found.
type Replay struct {
	Path     string   // the journal file
	Records  int      // lines applied
	Items    int      // live items after replay
	Skipped  []string // one sentence per bad line skipped or unfinished tail cut off
	KeptCopy string   // where the journal with bad lines was kept, when any
}

// Durable returns the embedded engine with table name created and the
// journal in dir replayed into it (dir is created, readable by the user
// only). Bad lines never stop it: they are listed in the Replay. It fails
// when dir cannot be used, or another process holds its journal.
func Durable(ctx context.Context, name, dir string) (*Journal, Replay, error) {
	rep := Replay{Path: filepath.Join(dir, journalFile)}
	def, err := table.Load()
	if err != nil {
		return nil, rep, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, rep, fmt.Errorf("localdb: data folder %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, rep, err
	}
	db, err := Embedded(ctx, name)
	if err != nil {
		lock.Close()
		return nil, rep, err
	}
	j := &Journal{db: db, lock: lock, ttl: def.TimeToLiveAttribute, now: time.Now}
	for _, k := range def.KeySchema {
		if k.KeyType == "HASH" {
			j.keys = append([]string{k.AttributeName}, j.keys...)
		} else {
			j.keys = append(j.keys, k.AttributeName)
		}
	}
	live, err := j.replay(ctx, &rep)
	if err != nil {
		lock.Close()
		return nil, rep, err
	}
	rep.Items = len(live)
	if err := j.compact(live, &rep); err != nil {
		lock.Close()
		return nil, rep, err
	}
	return j, rep, nil
}

// Close closes the journal file. Writes after Close fail.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = errors.New("localdb: journal closed")
	}
	err := j.f.Close()
	j.lock.Close()
	return err
}

// op is one item's new image (Put) or its deletion (Delete, the key only).
type op struct {
	Table  string          `json:"table"`
	Put    json.RawMessage `json:"put,omitempty"`
	Delete json.RawMessage `json:"delete,omitempty"`
}

type record struct {
	At  time.Time `json:"at"`
	Ops []op      `json:"ops"`
}

// replay applies the journal's lines to the engine and returns the live
// item of every key, as lines for the compacted journal.
func (j *Journal) replay(ctx context.Context, rep *Replay) (map[string][]byte, error) {
	live := map[string][]byte{}
	b, err := os.ReadFile(rep.Path)
	if errors.Is(err, os.ErrNotExist) {
		return live, nil
	}
	if err != nil {
		return nil, fmt.Errorf("localdb: read journal: %w", err)
	}
	for n, line := 1, b; len(line) > 0; n++ {
		i := bytes.IndexByte(line, '\n')
		if i < 0 {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("line %d: unfinished last line of %d bytes cut off (a write interrupted before it was answered)", n, len(line)))
			break
		}
		cur := line[:i]
		line = line[i+1:]
		rec, err := decodeLine(cur)
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("line %d: %v: skipped", n, err))
			continue
		}
		if err := j.apply(ctx, rec, live); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("line %d: %v: skipped", n, err))
			continue
		}
		rep.Records++
	}
	return live, nil
}

func decodeLine(line []byte) (record, error) {
	var rec record
	sum, body, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(sum) != 8 {
		return rec, errors.New("no checksum")
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil {
		return rec, errors.New("no checksum")
	}
	if crc32.ChecksumIEEE(body) != uint32(want) {
		return rec, errors.New("checksum does not match (corrupt)")
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		return rec, fmt.Errorf("not a record: %v", err)
	}
	return rec, nil
}

func encodeLine(rec record) ([]byte, error) {
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%08x %s\n", crc32.ChecksumIEEE(body), body), nil
}

// apply writes a record's images into the engine, unconditionally, and
// notes them in live.
func (j *Journal) apply(ctx context.Context, rec record, live map[string][]byte) error {
	for _, o := range rec.Ops {
		raw := o.Put
		if raw == nil {
			raw = o.Delete
		}
		item, err := decodeItem(raw)
		if err != nil {
			return err
		}
		id := o.Table + "\x00" + j.keyString(item)
		if o.Put != nil && j.expired(item) {
			// DynamoDB's time to live would have deleted it by now.
			o = op{Table: o.Table, Delete: o.Put}
			item = j.key(item)
		}
		if o.Put != nil {
			_, err = j.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(o.Table), Item: item})
		} else {
			_, err = j.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(o.Table), Key: item})
		}
		if err != nil {
			return fmt.Errorf("engine refused it: %v", err)
		}
		if o.Put != nil {
			line, err := encodeLine(record{At: rec.At, Ops: []op{o}})
			if err != nil {
				return err
			}
			live[id] = line
		} else {
			delete(live, id)
		}
	}
	return nil
}

// compact rewrites the journal as live's lines and opens it for appending.
func (j *Journal) compact(live map[string][]byte, rep *Replay) error {
	dir := filepath.Dir(rep.Path)
	if len(rep.Skipped) > 0 {
		rep.KeptCopy = filepath.Join(dir, "journal-"+time.Now().UTC().Format("20060102T150405Z")+".corrupt")
		if err := os.Rename(rep.Path, rep.KeptCopy); err != nil {
			return fmt.Errorf("localdb: keep bad journal: %w", err)
		}
	}
	ids := make([]string, 0, len(live))
	for id := range live {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tmp := rep.Path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("localdb: write journal: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, id := range ids {
		w.Write(live[id])
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("localdb: write journal: %w", err)
	}
	if err := os.Rename(tmp, rep.Path); err != nil {
		return fmt.Errorf("localdb: write journal: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	j.f, err = os.OpenFile(rep.Path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("localdb: open journal: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("localdb: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("localdb: sync %s: %w", dir, err)
	}
	return nil
}

// keyString is a stable text of item's key attributes.
func (j *Journal) keyString(item map[string]types.AttributeValue) string {
	parts := make([]string, 0, len(j.keys))
	for _, k := range j.keys {
		b, _ := encodeValue(item[k])
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "\x00")
}

func (j *Journal) key(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	k := make(map[string]types.AttributeValue, len(j.keys))
	for _, name := range j.keys {
		if v, ok := item[name]; ok {
			k[name] = v
		}
	}
	return k
}

// target is an item a write touched.
type target struct {
	table string
	key   map[string]types.AttributeValue
}

// write applies do to the engine and, when it succeeded, journals the
// images of targets and fsyncs before returning. A write that the engine
// applied but could not be journalled fails, and so does every later write:
// the caller must not take an answer for durable that is not.
func (j *Journal) write(ctx context.Context, targets func() []target, do func() error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if err := do(); err != nil {
		return err
	}
	rec := record{At: time.Now().UTC()}
	for _, t := range targets() {
		out, err := j.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.table), Key: t.key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return j.fail(fmt.Errorf("read back written item: %w", err))
		}
		o := op{Table: t.table}
		if len(out.Item) == 0 {
			o.Delete, err = encodeItem(t.key)
		} else {
			o.Put, err = encodeItem(out.Item)
		}
		if err != nil {
			return j.fail(err)
		}
		rec.Ops = append(rec.Ops, o)
	}
	line, err := encodeLine(rec)
	if err != nil {
		return j.fail(err)
	}
	if _, err := j.f.Write(line); err != nil {
		return j.fail(err)
	}
	if err := j.f.Sync(); err != nil {
		return j.fail(err)
	}
	return nil
}

func (j *Journal) fail(err error) error {
	j.err = fmt.Errorf("localdb: journal: %w (serve must be restarted)", err)
	return j.err
}

// GetItem reads from the engine.
func (j *Journal) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return j.db.GetItem(ctx, in, opts...)
}

// Query reads from the engine.
func (j *Journal) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return j.db.Query(ctx, in, opts...)
}

// BatchGetItem reads from the engine.
func (j *Journal) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return j.db.BatchGetItem(ctx, in, opts...)
}

// Scan reads from the engine.
func (j *Journal) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return j.db.Scan(ctx, in, opts...)
}

// PutItem writes and journals the item.
func (j *Journal) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (out *dynamodb.PutItemOutput, err error) {
	err = j.write(ctx, func() []target { return []target{{aws.ToString(in.TableName), j.key(in.Item)}} },
		func() (err error) { out, err = j.db.PutItem(ctx, in, opts...); return err })
	return out, err
}

// UpdateItem writes and journals the item's new image.
func (j *Journal) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (out *dynamodb.UpdateItemOutput, err error) {
	err = j.write(ctx, func() []target { return []target{{aws.ToString(in.TableName), in.Key}} },
		func() (err error) { out, err = j.db.UpdateItem(ctx, in, opts...); return err })
	return out, err
}

// DeleteItem deletes and journals the deletion.
func (j *Journal) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (out *dynamodb.DeleteItemOutput, err error) {
	err = j.write(ctx, func() []target { return []target{{aws.ToString(in.TableName), in.Key}} },
		func() (err error) { out, err = j.db.DeleteItem(ctx, in, opts...); return err })
	return out, err
}

// TransactWriteItems writes and journals every item of the transaction in
// one line, so replay applies all of it or none.
func (j *Journal) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (out *dynamodb.TransactWriteItemsOutput, err error) {
	targets := func() []target {
		var ts []target
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				ts = append(ts, target{aws.ToString(it.Put.TableName), j.key(it.Put.Item)})
			case it.Update != nil:
				ts = append(ts, target{aws.ToString(it.Update.TableName), it.Update.Key})
			case it.Delete != nil:
				ts = append(ts, target{aws.ToString(it.Delete.TableName), it.Delete.Key})
			}
		}
		return ts
	}
	err = j.write(ctx, targets, func() (err error) { out, err = j.db.TransactWriteItems(ctx, in, opts...); return err })
	return out, err
}

// expired reports whether item's time-to-live (epoch seconds) has passed.
func (j *Journal) expired(item map[string]types.AttributeValue) bool {
	n, ok := item[j.ttl].(*types.AttributeValueMemberN)
	if j.ttl == "" || !ok {
		return false
	}
	at, err := strconv.ParseFloat(n.Value, 64)
	return err == nil && at > 0 && time.Unix(int64(at), 0).Before(j.now())
}
