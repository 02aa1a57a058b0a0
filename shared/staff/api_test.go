package staff_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"tipline/shared/staff"
	"tipline/shared/tip"
)

func TestQueuePagesOverSeveralPages(t *testing.T) {
	hs := newHarness(t)
	var want []*tip.Tip
	for i, u := range []tip.Urgency{tip.Low, tip.Critical, tip.Medium, tip.High, tip.Critical, tip.Medium, tip.High} {
		region := []string{"PE-MDD", "PE-CUS", "PE-PUN"}[i%3]
		want = append(want, hs.seed(tipSpec{region: region, urgency: u}))
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].Urgency.Rank() < want[j].Urgency.Rank() })
	admin := hs.token("root", staff.RoleAdmin)
	for _, path := range []string{"/api/tips?limit=3", "/api/tips?limit=2&status=triaged", "/api/tips?limit=1&q=MENORES"} {
		t.Run("following next_cursor of "+path+" lists every tip once, in order", func(t *testing.T) {
			var got []string
			pages := 0
			next := path
			for {
				r := hs.do("GET", next, admin, nil)
				if r.status != http.StatusOK {
					t.Fatalf("GET %s = %d %s", next, r.status, r.body)
				}
				var l listed
				r.json(t, &l)
				pages++
				got = append(got, l.ids()...)
				if l.NextCursor == "" || pages > 20 {
					break
				}
				next = path + "&cursor=" + l.NextCursor
			}
			var ids []string
			for _, tp := range want {
				ids = append(ids, tp.ID)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("ids = %v, want %v", got, ids)
			}
			if pages < 3 {
				t.Errorf("%d pages, want at least 3", pages)
			}
		})
	}
	t.Run("a cursor of another query is refused with 400", func(t *testing.T) {
		r := hs.do("GET", "/api/tips?limit=1", admin, nil)
		var l listed
		r.json(t, &l)
		r = hs.do("GET", "/api/tips?limit=1&region=PE-CUS&cursor="+l.NextCursor, admin, nil)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("reused cursor = %d %s, want 400 invalid", r.status, r.body)
		}
	})
}

func TestQueueFilters(t *testing.T) {
	hs := newHarness(t)
	a := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Critical, text: "Vi a una NIÑA en el camión", campaign: "afiches-2026"})
	b := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Medium, status: tip.StatusNew})
	c := hs.seed(tipSpec{region: "PE-CUS", urgency: tip.High, text: "la nina vende dulces", status: tip.StatusClosed})
	admin := hs.token("root", staff.RoleAdmin)
	for _, tc := range []struct {
		name, query string
		want        []string
		status      int
	}{
		{"status", "status=new", []string{b.ID}, 200},
		{"two statuses", "status=new,closed", []string{c.ID, b.ID}, 200},
		{"urgency", "urgency=critical", []string{a.ID}, 200},
		{"region", "region=pe-cus", []string{c.ID}, 200},
		{"campaign", "campaign=afiches-2026", []string{a.ID}, 200},
		{"text ignoring case and accents", "q=ni%C3%B1a", []string{a.ID, c.ID}, 200},
		{"region and urgency", "region=PE-MDD&urgency=medium", []string{b.ID}, 200},
		{"an unknown status", "status=open", nil, 400},
		{"an unknown urgency", "urgency=urgent", nil, 400},
		{"a region that is not a code", "region=Cusco", nil, 400},
		{"a limit above 200", "limit=500", nil, 400},
		{"a limit of zero", "limit=0", nil, 400},
	} {
		t.Run("filtering by "+tc.name+" answers "+http.StatusText(tc.status), func(t *testing.T) {
			r := hs.do("GET", "/api/tips?"+tc.query, admin, nil)
			if r.status != tc.status {
				t.Fatalf("GET ?%s = %d %s, want %d", tc.query, r.status, r.body, tc.status)
			}
			if tc.status != 200 {
				if r.errorCode(t) != "invalid" {
					t.Errorf("error code of %s, want invalid", r.body)
				}
				return
			}
			var l listed
			r.json(t, &l)
			if !slices.Equal(l.ids(), tc.want) {
				t.Errorf("GET ?%s ids = %v, want %v", tc.query, l.ids(), tc.want)
			}
		})
	}
}

func TestPatch(t *testing.T) {
	hs := newHarness(t)
	tp := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.High})
	path := "/api/tips/" + tp.ID
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")

	r := hs.do("PATCH", path, ana, map[string]any{"version": 1, "status": "triaged", "assignee": "ana", "place": "Mazuco"})
	if r.status != http.StatusOK || r.header.Get("ETag") != `"2"` {
		t.Fatalf("first PATCH = %d %s (ETag %s), want 200 with ETag \"2\"", r.status, r.body, r.header.Get("ETag"))
	}
	before, _ := hs.store.Tip(t.Context(), tp.ID)
	trail, _ := hs.store.Audit(t.Context(), tp.ID)

	for _, tc := range []struct {
		name    string
		body    any
		headers []string
		status  int
		code    string
	}{
		{"a stale version in the body", map[string]any{"version": 1, "status": "closed"}, nil, 409, "stale"},
		{"a stale If-Match", map[string]any{"status": "closed"}, []string{"If-Match", `"1"`}, 409, "stale"},
		{"no version at all", map[string]any{"status": "closed"}, nil, 428, "version_required"},
		{"lowering urgency without a note", map[string]any{"version": 2, "urgency": "low"}, nil, 400, "invalid"},
		{"an unknown status", map[string]any{"version": 2, "status": "done"}, nil, 400, "invalid"},
		{"an unknown category", map[string]any{"version": 2, "category": "drugs"}, nil, 400, "invalid"},
		{"a region that is not a code", map[string]any{"version": 2, "region": "Madre de Dios"}, nil, 400, "invalid"},
		{"moving the tip out of the user's regions", map[string]any{"version": 2, "region": "PE-CUS"}, nil, 403, "forbidden"},
		{"an unknown field", map[string]any{"version": 2, "reporter": "x"}, nil, 400, "invalid"},
		{"nothing to change", map[string]any{"version": 2}, nil, 400, "invalid"},
		{"malformed JSON", "{", nil, 400, "invalid"},
	} {
		t.Run(tc.name+" is refused with "+http.StatusText(tc.status)+" and changes nothing", func(t *testing.T) {
			r := hs.do("PATCH", path, ana, tc.body, tc.headers...)
			if r.status != tc.status || r.errorCode(t) != tc.code {
				t.Errorf("PATCH = %d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
			after, _ := hs.store.Tip(t.Context(), tp.ID)
			if after.Version != before.Version || after.Status != before.Status || after.Urgency != before.Urgency {
				t.Errorf("tip changed: version %d → %d, status %s → %s", before.Version, after.Version, before.Status, after.Status)
			}
			if got, _ := hs.store.Audit(t.Context(), tp.ID); len(got) != len(trail) {
				t.Errorf("audit grew from %d to %d entries", len(trail), len(got))
			}
		})
	}

	t.Run("lowering urgency with a note is recorded with the note", func(t *testing.T) {
		r := hs.do("PATCH", path, ana, map[string]any{"urgency": "low", "note": "Es una broma, confirmado por teléfono"}, "If-Match", `"2"`)
		if r.status != http.StatusOK {
			t.Fatalf("PATCH = %d %s", r.status, r.body)
		}
		got, _ := hs.store.Tip(t.Context(), tp.ID)
		if got.Urgency != tip.Low || got.Reportable || got.Version != 3 {
			t.Errorf("tip urgency %s, reportable %v, version %d; want low, false, 3", got.Urgency, got.Reportable, got.Version)
		}
		trail, _ := hs.store.Audit(t.Context(), tp.ID)
		last := trail[len(trail)-1]
		if last.Actor != "staff:ana" || last.Action != "update" || last.Detail["urgency"] != "high -> low" || last.Detail["note"] == "" {
			t.Errorf("last audit entry = %+v, want ana's update with urgency and note", last)
		}
	})
	t.Run("raising urgency to critical makes the tip reportable", func(t *testing.T) {
		r := hs.do("PATCH", path, ana, map[string]any{"version": 3, "urgency": "critical"})
		got, _ := hs.store.Tip(t.Context(), tp.ID)
		if r.status != http.StatusOK || got.Urgency != tip.Critical || !got.Reportable {
			t.Errorf("PATCH = %d; tip urgency %s, reportable %v", r.status, got.Urgency, got.Reportable)
		}
	})
	t.Run("a note alone is an audit entry of its own", func(t *testing.T) {
		r := hs.do("PATCH", path, ana, map[string]any{"version": 4, "note": "Llamamos a la fiscalía"})
		trail, _ := hs.store.Audit(t.Context(), tp.ID)
		if r.status != http.StatusOK || trail[len(trail)-1].Action != "note" {
			t.Errorf("PATCH = %d; last audit entry %+v, want a note", r.status, trail[len(trail)-1])
		}
	})
}

func TestDetail(t *testing.T) {
	hs := newHarness(t)
	tp := hs.seed(tipSpec{region: "PE-MDD"})
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")
	r := hs.do("GET", "/api/tips/"+tp.ID, ana, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET = %d %s", r.status, r.body)
	}
	var d struct {
		Text     string `json:"text"`
		Messages []struct {
			Body  string                 `json:"body"`
			Media []struct{ URL string } `json:"media"`
		} `json:"messages"`
		Alerts []any `json:"alerts"`
		Audit  []tip.Audit
	}
	r.json(t, &d)
	t.Run("the detail holds the messages, alerts and its own read in the audit", func(t *testing.T) {
		if len(d.Messages) != 1 || d.Messages[0].Body != secretBody || d.Alerts == nil {
			t.Errorf("messages %+v, alerts %v", d.Messages, d.Alerts)
		}
		if len(d.Audit) != 1 || d.Audit[0].Action != "read" || d.Audit[0].Actor != "staff:ana" {
			t.Errorf("audit = %+v, want ana's read", d.Audit)
		}
	})
	t.Run("the detail never holds the reporter's number or Twilio's media URL", func(t *testing.T) {
		for _, s := range []string{"+5198765", "api.twilio.com", "reporter_key", "contact"} {
			if bytes.Contains(r.body, []byte(s)) {
				t.Errorf("detail contains %q:\n%s", s, r.body)
			}
		}
	})
	link := d.Messages[0].Media[0].URL
	t.Run("a media link works without a token until it expires", func(t *testing.T) {
		r := hs.do("GET", link, "", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(string(r.body), "JPEG of https://api.twilio.com/") {
			t.Errorf("GET media = %d %s %q", r.status, r.header.Get("Content-Type"), r.body)
		}
		if r := hs.do("GET", link[:len(link)-2]+"xx", "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET tampered media link = %d, want 404", r.status)
		}
		hs.clock.Advance(16 * time.Minute)
		if r := hs.do("GET", link, "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET expired media link = %d, want 404", r.status)
		}
	})
}

func TestReply(t *testing.T) {
	hs := newHarness(t)
	sms := hs.seed(tipSpec{region: "PE-MDD"})
	wa := hs.seed(tipSpec{region: "PE-MDD", channel: tip.WhatsApp})
	anon := hs.seed(tipSpec{region: "PE-MDD"})
	anonTip, _ := hs.store.Tip(t.Context(), anon.ID)
	anonTip.Contact = nil
	if err := hs.store.SaveTip(t.Context(), anonTip); err != nil {
		t.Fatal(err)
	}
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")
	body := "Gracias. ¿Puedes decirnos el nombre del local?"

	t.Run("a reply goes to the reporter's number and is recorded as an outbound message", func(t *testing.T) {
		r := hs.do("POST", "/api/tips/"+sms.ID+"/reply", ana, map[string]string{"body": body})
		if r.status != http.StatusCreated {
			t.Fatalf("reply = %d %s", r.status, r.body)
		}
		if len(hs.sender.sent) != 1 || hs.sender.sent[0].from != ourNumber || !strings.HasPrefix(hs.sender.sent[0].to, "+5198765") || hs.sender.sent[0].body != body {
			t.Errorf("sent = %+v", hs.sender.sent)
		}
		msgs, _ := hs.store.Messages(t.Context(), sms.ID)
		if len(msgs) != 2 || msgs[1].Direction != tip.Outbound || msgs[1].Body != body || msgs[1].SID != "SMreply1" {
			t.Errorf("messages = %+v", msgs)
		}
		trail, _ := hs.store.Audit(t.Context(), sms.ID)
		if len(trail) != 1 || trail[0].Action != "reply" || trail[0].Detail["message_sid"] != "SMreply1" {
			t.Errorf("audit = %+v", trail)
		}
		if bytes.Contains(r.body, []byte("+5198765")) {
			t.Errorf("the answer holds the number: %s", r.body)
		}
	})
	t.Run("a WhatsApp reply within 24 hours keeps the whatsapp: address", func(t *testing.T) {
		r := hs.do("POST", "/api/tips/"+wa.ID+"/reply", ana, map[string]string{"body": body})
		last := hs.sender.sent[len(hs.sender.sent)-1]
		if r.status != http.StatusCreated || !strings.HasPrefix(last.to, "whatsapp:+") || !strings.HasPrefix(last.from, "whatsapp:") {
			t.Errorf("reply = %d, sent %+v", r.status, last)
		}
	})
	for _, tc := range []struct {
		name  string
		setup func()
		tipID string
		body  string
		code  string
	}{
		{"an empty body", nil, sms.ID, "  ", "invalid"},
		{"a body over 1600 characters", nil, sms.ID, strings.Repeat("a", 1601), "invalid"},
		{"a tip without a number (anonymous mode)", nil, anon.ID, body, "no_contact"},
		{"WhatsApp after 24 hours", func() { hs.clock.Advance(25 * time.Hour) }, wa.ID, body, "outside_whatsapp_window"},
		{"a reporter who opted out", func() {
			if err := hs.store.SetOptOut(t.Context(), sms.ReporterKey, true); err != nil {
				t.Fatal(err)
			}
		}, sms.ID, body, "opted_out"},
	} {
		t.Run("a reply to "+tc.name+" is refused and nothing is sent", func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			n := len(hs.sender.sent)
			msgs, _ := hs.store.Messages(t.Context(), tc.tipID)
			r := hs.do("POST", "/api/tips/"+tc.tipID+"/reply", ana, map[string]string{"body": tc.body})
			if r.errorCode(t) != tc.code || r.status < 400 {
				t.Errorf("reply = %d %s, want code %s", r.status, r.body, tc.code)
			}
			after, _ := hs.store.Messages(t.Context(), tc.tipID)
			if len(hs.sender.sent) != n || len(after) != len(msgs) {
				t.Errorf("sent %d → %d, messages %d → %d; want no change", n, len(hs.sender.sent), len(msgs), len(after))
			}
		})
	}
}

func TestReplySentButNotRecorded(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"a transient store error", &types.InternalServerError{Message: aws.String("injected")}},
		{"throttling", &types.ProvisionedThroughputExceededException{Message: aws.String("injected")}},
		{"a missing table", &types.ResourceNotFoundException{Message: aws.String("injected")}},
	} {
		t.Run("a reply Twilio accepted but the store failed to record after "+tc.name+" answers a non-retryable 500", func(t *testing.T) {
			hs := newHarness(t)
			tp := hs.seed(tipSpec{region: "PE-MDD"})
			ana := hs.token("ana", staff.RoleStaff, "PE-MDD")
			before, _ := hs.store.Messages(t.Context(), tp.ID)
			hs.sender.afterSend = func() { hs.db.failWrites(tc.err) }

			r := hs.do("POST", "/api/tips/"+tp.ID+"/reply", ana, map[string]string{"body": secretBody})
			hs.db.failWrites(nil)

			if r.status != http.StatusInternalServerError || r.errorCode(t) != "sent_not_recorded" {
				t.Errorf("reply = %d %s, want 500 sent_not_recorded", r.status, r.body)
			}
			if !bytes.Contains(r.body, []byte("do not send it again")) {
				t.Errorf("answer %s does not tell the user not to send it again", r.body)
			}
			if len(hs.sender.sent) != 1 {
				t.Errorf("%d messages sent, want 1", len(hs.sender.sent))
			}
			after, _ := hs.store.Messages(t.Context(), tp.ID)
			if len(after) != len(before) {
				t.Errorf("%d messages stored, want %d (the write failed)", len(after), len(before))
			}
			rec := hs.logRecord(t, "reply sent but not recorded")
			if rec == nil || rec["level"] != "ERROR" || rec["tip_id"] != tp.ID || rec["message_sid"] != "SMreply1" {
				t.Errorf("log record = %v, want an ERROR with tip_id %s and message_sid SMreply1", rec, tp.ID)
			}
		})
	}
}

func TestForward(t *testing.T) {
	hs := newHarness(t)
	tp := hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Medium})
	spam := hs.seed(tipSpec{region: "PE-MDD", status: tip.StatusSpam})
	ana := hs.token("ana", staff.RoleStaff, "PE-MDD")
	r := hs.do("POST", "/api/tips/"+tp.ID+"/forward", ana, map[string]string{"authority_id": "fistrap-mdd"})
	if r.status != http.StatusAccepted {
		t.Fatalf("forward = %d %s", r.status, r.body)
	}
	if want := tp.ID + "/fistrap-mdd/staff:ana"; len(hs.fwd.list) != 1 || hs.fwd.list[0] != want {
		t.Errorf("forwards = %v, want [%s]", hs.fwd.list, want)
	}
	for _, tc := range []struct {
		name, tipID, body string
		status            int
	}{
		{"an unknown authority", tp.ID, `{"authority_id":"nobody"}`, 404},
		{"no authority", tp.ID, `{}`, 400},
		{"a tip marked as spam", spam.ID, `{"authority_id":"fistrap-mdd"}`, 409},
	} {
		t.Run("forwarding "+tc.name+" is refused", func(t *testing.T) {
			if r := hs.do("POST", "/api/tips/"+tc.tipID+"/forward", ana, tc.body); r.status != tc.status {
				t.Errorf("forward = %d %s, want %d", r.status, r.body, tc.status)
			}
			if len(hs.fwd.list) != 1 {
				t.Errorf("forwards = %v, want only the first", hs.fwd.list)
			}
		})
	}
}

func TestCSV(t *testing.T) {
	hs := newHarness(t)
	hs.seed(tipSpec{region: "PE-CUS", urgency: tip.Critical, place: "Ocongate, cerca del puente", text: "Niñas de 14 años trabajan en el \"bar\" de Ocongate,\nla dueña las encierra"})
	hs.seed(tipSpec{region: "PE-CUS", urgency: tip.High, place: "=HYPERLINK(\"http://x\")", text: "+51 999 @x -1"})
	hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Low, text: "otra región"})
	r := hs.do("GET", "/api/tips.csv?region=PE-CUS", hs.token("luis", staff.RoleStaff, "PE-CUS"), nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv; charset=utf-8") {
		t.Fatalf("GET tips.csv = %d %s", r.status, r.header.Get("Content-Type"))
	}
	t.Run("the file starts with a UTF-8 byte order mark", func(t *testing.T) {
		if !bytes.HasPrefix(r.body, []byte("\xef\xbb\xbf")) {
			t.Errorf("first bytes % x, want ef bb bf", r.body[:3])
		}
	})
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	t.Run("rows are the filtered queue with accents, quotes and line breaks intact", func(t *testing.T) {
		if len(rows) != 3 {
			t.Fatalf("%d rows, want a header and 2 tips", len(rows))
		}
		first := rows[1]
		if first[col["text"]] != "Niñas de 14 años trabajan en el \"bar\" de Ocongate,\nla dueña las encierra" || first[col["place"]] != "Ocongate, cerca del puente" {
			t.Errorf("first row = %q", first)
		}
	})
	t.Run("times are Lima time in ISO 8601 with the offset -05:00", func(t *testing.T) {
		got := rows[1][col["created_at"]]
		at, err := time.Parse(time.RFC3339, got)
		if err != nil || !strings.HasSuffix(got, "-05:00") {
			t.Fatalf("got created_at %q, want ISO 8601 ending in -05:00", got)
		}
		var tips struct {
			Tips []struct {
				Ref       string    `json:"ref"`
				CreatedAt time.Time `json:"created_at"`
			} `json:"tips"`
		}
		hs.do("GET", "/api/tips?region=PE-CUS", hs.token("luis", staff.RoleStaff, "PE-CUS"), nil).json(t, &tips)
		for _, tp := range tips.Tips {
			if tp.Ref == rows[1][col["ref"]] && !tp.CreatedAt.Truncate(time.Second).Equal(at) {
				t.Errorf("got CSV time %s and JSON time %s for one tip, want the same instant", at, tp.CreatedAt)
			}
		}
	})
	t.Run("cells a spreadsheet would run as formulas start with an apostrophe", func(t *testing.T) {
		second := rows[2]
		if second[col["place"]] != "'=HYPERLINK(\"http://x\")" || second[col["text"]] != "'+51 999 @x -1" {
			t.Errorf("second row place %q, text %q", second[col["place"]], second[col["text"]])
		}
	})
	t.Run("every field is quoted and lines end in CRLF", func(t *testing.T) {
		header := strings.SplitN(string(bytes.TrimPrefix(r.body, []byte("\xef\xbb\xbf"))), "\r\n", 2)[0]
		if !strings.HasPrefix(header, `"id","ref",`) {
			t.Errorf("header line = %q", header)
		}
	})
	t.Run("no reporter data is a column", func(t *testing.T) {
		for _, name := range rows[0] {
			if strings.Contains(name, "reporter") || strings.Contains(name, "contact") || name == "to" || name == "from" {
				t.Errorf("column %q", name)
			}
		}
	})
}

func TestCSVExportBounds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pages     int
		deadline  time.Duration // of the request; 0 for none
		rows      int
		truncated string
	}{
		{"an export within the page bound has every matching tip and no X-Truncated header", 10, 0, 4, ""},
		{"an export of a selective text filter stops at the page bound with X-Truncated: true", 2, 0, 2, "true"},
		{"an export near its request's deadline stops with X-Truncated: true", 10, 9 * time.Second, 1, "true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			staff.SetExportBounds(t, tc.pages, 1) // one tip a page
			var match []string
			for i := range 8 {
				text := "un bus a Puerto Maldonado"
				if i%2 == 1 {
					text = "menores en un camión"
				}
				tp := hs.seed(tipSpec{region: "PE-MDD", text: text})
				if i%2 == 1 {
					match = append(match, tp.ID)
				}
			}
			req := httptest.NewRequest("GET", "/api/tips.csv?q=camion", nil)
			req.Header.Set("Authorization", "Bearer "+hs.token("root", staff.RoleAdmin))
			if tc.deadline > 0 {
				ctx, cancel := context.WithTimeout(req.Context(), tc.deadline)
				defer cancel()
				req = req.WithContext(ctx)
			}
			rec := httptest.NewRecorder()
			hs.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET tips.csv = %d %s", rec.Code, rec.Body)
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rec.Body.Bytes(), []byte("\xef\xbb\xbf")))).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v", err)
			}
			var got []string
			for _, row := range rows[1:] {
				got = append(got, row[0])
			}
			if !slices.Equal(got, match[:tc.rows]) {
				t.Errorf("exported %v, want %v", got, match[:tc.rows])
			}
			if h := rec.Header().Get("X-Truncated"); h != tc.truncated {
				t.Errorf("X-Truncated = %q, want %q", h, tc.truncated)
			}
			exported := 0
			for _, id := range match {
				trail, _ := hs.store.Audit(t.Context(), id)
				for _, a := range trail {
					if a.Action == "export" {
						exported++
					}
				}
			}
			if exported != tc.rows {
				t.Errorf("%d export audit entries, want %d (one per exported tip)", exported, tc.rows)
			}
		})
	}
}

func TestStats(t *testing.T) {
	hs := newHarness(t)
	hs.seed(tipSpec{region: "PE-MDD", urgency: tip.Critical})
	hs.seed(tipSpec{region: "PE-CUS", urgency: tip.Low, channel: tip.WhatsApp})
	sup := hs.token("sup", staff.RoleSupervisor)
	r := hs.do("GET", "/api/stats?from=2026-11-20&to=2026-11-20", sup, nil)
	var st struct {
		Total     int            `json:"total"`
		ByDay     map[string]int `json:"by_day"`
		ByRegion  map[string]int `json:"by_region"`
		ByChannel map[string]int `json:"by_channel"`
	}
	r.json(t, &st)
	if r.status != http.StatusOK || st.Total != 2 || st.ByDay["2026-11-20"] != 2 || st.ByRegion["PE-CUS"] != 1 || st.ByChannel["whatsapp"] != 1 {
		t.Errorf("stats = %d %s", r.status, r.body)
	}
	for _, q := range []string{"from=yesterday", "from=2026-11-21&to=2026-11-20", "from=2024-01-01&to=2026-01-01", "region=Cusco"} {
		if r := hs.do("GET", "/api/stats?"+q, sup, nil); r.status != http.StatusBadRequest {
			t.Errorf("GET /api/stats?%s = %d, want 400", q, r.status)
		}
	}
}

func TestUnknownRoutesAnswerJSON404(t *testing.T) {
	hs := newHarness(t)
	r := hs.do("GET", "/api/nothing", hs.token("root", staff.RoleAdmin), nil)
	if r.status != http.StatusNotFound || r.errorCode(t) != "not_found" {
		t.Errorf("GET /api/nothing = %d %s", r.status, r.body)
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../../infra/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                            `yaml:"openapi"`
		Paths   map[string]map[string]interface{} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}
	var documented, served []string
	for path, ops := range doc.Paths {
		for m := range ops {
			if methods[m] {
				documented = append(documented, strings.ToUpper(m)+" "+path)
			}
		}
	}
	for _, rt := range staff.Routes() {
		served = append(served, rt.Method+" "+rt.Path)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("infra/openapi.yaml documents\n  %s\nthe handler serves\n  %s", strings.Join(documented, "\n  "), strings.Join(served, "\n  "))
	}
}
