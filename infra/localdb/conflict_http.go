package localdb

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Transport applies DynamoDB's conflict rules to the requests of an SDK
// client (the JSON 1.0 protocol, X-Amz-Target DynamoDB_20120810.<op>). A
// refused write is answered without reaching the engine, with the status,
// headers and body DynamoDB gives: HTTP 400, application/x-amz-json-1.0, an
// X-Amz-Crc32 of the body, and
//
//	{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}],"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"}
//	{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}
//
// Error shapes: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
// and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html.
type Transport struct {
	Locks *Locks
	Next  http.RoundTripper // nil: http.DefaultTransport
}

// NewTransport returns a transport applying locks in front of next.
func NewTransport(locks *Locks, next http.RoundTripper) *Transport {
	return &Transport{Locks: locks, Next: next}
}

const errorPrefix = "com.amazonaws.dynamodb.v20120810#"

// wireKey is an item or key as the JSON protocol writes it: attribute name
// to {"S": "..."}, {"N": "..."} or {"B": "<base64>"}.
type wireKey map[string]map[string]json.RawMessage

type wireTarget struct {
	TableName string
	Key       wireKey
	Item      wireKey
}

func (l *Locks) wireID(t wireTarget) string {
	k := t.Key
	if k == nil {
		k = t.Item
	}
	return l.itemID(t.TableName, func(n string) (string, string, bool) {
		for typ, raw := range k[n] {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", "", false
			}
			return typ, s, true // B is base64 on the wire, as typedID writes it
		}
		return "", "", false
	})
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	target := req.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	switch op {
	case "TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem":
	default:
		return next.RoundTrip(req)
	}
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	if op != "TransactWriteItems" {
		var w wireTarget
		if json.Unmarshal(body, &w) == nil && t.Locks.busy(t.Locks.wireID(w)) {
			return errorResponse(req,
				fmt.Sprintf(`{"__type":"%sTransactionConflictException","message":"%s"}`, errorPrefix, conflictMessage)), nil
		}
		return next.RoundTrip(req)
	}
	var tx struct {
		TransactItems []map[string]wireTarget
	}
	if json.Unmarshal(body, &tx) != nil {
		return next.RoundTrip(req) // the engine answers what is malformed
	}
	ids := make([]string, len(tx.TransactItems))
	for i, it := range tx.TransactItems {
		for _, action := range it { // one of Put, Update, Delete, ConditionCheck
			ids[i] = t.Locks.wireID(action)
		}
	}
	conflicted, release := t.Locks.lockTx(ids)
	if release == nil {
		return errorResponse(req, cancelledBody(conflicted)), nil
	}
	defer release()
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// The transaction is in flight until its answer is read in full.
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func cancelledBody(conflicted []bool) string {
	var b strings.Builder
	b.WriteString(`{"__type":"` + errorPrefix + `TransactionCanceledException","CancellationReasons":[`)
	for i, c := range conflicted {
		if i > 0 {
			b.WriteByte(',')
		}
		if c {
			b.WriteString(`{"Code":"` + conflictReason + `","Message":"` + conflictMessage + `"}`)
		} else {
			b.WriteString(`{"Code":"None"}`)
		}
	}
	b.WriteString(`],"Message":"` + cancelledMessage(conflicted) + `"}`)
	return b.String()
}

// readBody reads the request body and puts it back for the next transport.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, nil
}

// errorResponse is DynamoDB's answer for an error of the client's request.
func errorResponse(req *http.Request, body string) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	h.Set("X-Amzn-Requestid", requestID())
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	return &http.Response{
		Status: "400 Bad Request", StatusCode: http.StatusBadRequest,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}

// requestID is a request id of DynamoDB's shape: 52 upper-case letters and
// digits.
func requestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 52)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
