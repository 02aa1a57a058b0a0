package console

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipCache keeps the compressed form of each embedded body, made once.
var gzipCache sync.Map // *byte (first byte of the body) → []byte

// writeMaybeGzip writes body, gzipped when the client accepts it.
func writeMaybeGzip(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if len(body) > 512 && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		body = gzipped(body)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

func gzipped(body []byte) []byte {
	if v, ok := gzipCache.Load(&body[0]); ok {
		return v.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipCache.Store(&body[0], buf.Bytes())
	return buf.Bytes()
}
