package fakeapi

// The message log, listed as Twilio lists it
// (https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources):
// GET /2010-04-01/Accounts/{sid}/Messages.json, most recent first, filtered
// by To, From and DateSent (a day as YYYY-MM-DD or a time as RFC 3339, as
// twilio-go sends; "DateSent<" is on or before, "DateSent>" on or after),
// PageSize messages a page (default 50, at most 1000), each page naming the
// next one in next_page_uri with a PageToken, so that messages arriving
// while a reader pages never shift what it reads.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Media is one media item of an inbound message.
type Media struct {
	SID         string `json:"sid"`
	URL         string `json:"url"` // as the sender gave it
	ContentType string `json:"content_type"`
}

// Log returns the message log, inbound and outbound, oldest first.
func (s *Server) Log() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logLocked()
}

func (s *Server) logLocked() []Message {
	out := append(append([]Message(nil), s.inbox...), s.outbox...)
	slices.SortStableFunc(out, func(a, b Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// resource is a message as the API answers it.
func resource(account string, m Message) map[string]any {
	uri := "/2010-04-01/Accounts/" + account + "/Messages/" + m.SID
	date := m.CreatedAt.Format(time.RFC1123Z)
	return map[string]any{
		"sid": m.SID, "account_sid": account, "to": m.To, "from": m.From, "body": m.Body,
		"status": m.Status, "num_segments": "1", "num_media": strconv.Itoa(len(m.Media)), "direction": m.Direction,
		"api_version": "2010-04-01", "date_created": date, "date_updated": date, "date_sent": date,
		"error_code": nil, "error_message": nil, "uri": uri + ".json",
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
	}
}

// dateFilter is one DateSent condition.
type dateFilter struct {
	op string // "=", "<" or ">"
	at time.Time
	// day: the value was a date, so "=" matches the whole UTC day.
	day bool
}

func (f dateFilter) match(t time.Time) bool {
	t = t.UTC()
	switch {
	case f.op == "=" && f.day:
		y1, m1, d1 := t.Date()
		y2, m2, d2 := f.at.Date()
		return y1 == y2 && m1 == m2 && d1 == d2
	case f.op == "=":
		return t.Equal(f.at)
	case f.op == "<" && f.day:
		return t.Before(f.at.AddDate(0, 0, 1)) // on or before that day
	case f.op == "<":
		return !t.After(f.at)
	default:
		return !t.Before(f.at)
	}
}

func parseDate(v string) (time.Time, bool, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	return t.UTC(), false, err
}

// list answers GET .../Messages.json.
func (s *Server) list(w http.ResponseWriter, r *http.Request, account string) {
	q := r.URL.Query()
	var dates []dateFilter
	for key, op := range map[string]string{"DateSent": "=", "DateSent<": "<", "DateSent>": ">"} {
		if v := q.Get(key); v != "" {
			at, day, err := parseDate(v)
			if err != nil {
				fail(w, http.StatusBadRequest, 20001, "Invalid "+key)
				return
			}
			dates = append(dates, dateFilter{op: op, at: at, day: day})
		}
	}
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail(w, http.StatusBadRequest, 20001, "Invalid PageSize")
			return
		}
		size = min(n, 1000)
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	token := q.Get("PageToken")

	s.mu.Lock()
	all := s.logLocked()
	s.mu.Unlock()
	slices.Reverse(all) // most recent first
	var match []Message
	for _, m := range all {
		if to := q.Get("To"); to != "" && m.To != to {
			continue
		}
		if from := q.Get("From"); from != "" && m.From != from {
			continue
		}
		if !slices.ContainsFunc(dates, func(f dateFilter) bool { return !f.match(m.CreatedAt) }) {
			match = append(match, m)
		}
	}
	start := 0
	if after, ok := strings.CutPrefix(token, "PA"); ok && after != "" {
		i := slices.IndexFunc(match, func(m Message) bool { return m.SID == after })
		if i < 0 {
			fail(w, http.StatusBadRequest, 20001, "Invalid PageToken")
			return
		}
		start = i + 1
	} else if page > 0 {
		start = page * size
	}
	start = min(start, len(match))
	end := min(start+size, len(match))
	messages := make([]map[string]any, 0, end-start)
	for _, m := range match[start:end] {
		messages = append(messages, resource(account, m))
	}
	base := "/2010-04-01/Accounts/" + account + "/Messages.json"
	params := url.Values{}
	for _, k := range []string{"To", "From", "DateSent", "DateSent<", "DateSent>"} {
		if v := q.Get(k); v != "" {
			params.Set(k, v)
		}
	}
	params.Set("PageSize", strconv.Itoa(size))
	first := params
	first.Set("Page", "0")
	firstURI := base + "?" + first.Encode()
	var next any
	if end < len(match) {
		np := url.Values{}
		for k, v := range params {
			np[k] = v
		}
		np.Set("Page", strconv.Itoa(page+1))
		np.Set("PageToken", "PA"+match[end-1].SID)
		next = base + "?" + np.Encode()
	}
	self := base + "?" + r.URL.RawQuery
	writeJSON(w, http.StatusOK, map[string]any{
		"messages": messages, "page": page, "page_size": size, "start": start, "end": max(end-1, start),
		"first_page_uri": firstURI, "next_page_uri": next, "previous_page_uri": nil, "uri": self,
	})
}

// listMedia answers GET .../Messages/{sid}/Media.json.
func (s *Server) listMedia(w http.ResponseWriter, account, sid string) {
	s.mu.Lock()
	var media []Media
	found := false
	for _, m := range s.logLocked() {
		if m.SID == sid {
			media, found = m.Media, true
		}
	}
	s.mu.Unlock()
	if !found {
		fail(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	list := make([]map[string]any, 0, len(media))
	for _, md := range media {
		list = append(list, map[string]any{"sid": md.SID, "account_sid": account, "parent_sid": sid, "content_type": md.ContentType,
			"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s/Media/%s.json", account, sid, md.SID)})
	}
	base := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s/Media.json", account, sid)
	writeJSON(w, http.StatusOK, map[string]any{"media_list": list, "page": 0, "page_size": 50, "start": 0, "end": max(len(list)-1, 0),
		"first_page_uri": base + "?PageSize=50&Page=0", "next_page_uri": nil, "previous_page_uri": nil, "uri": base})
}
