package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipline/shared/config"
	"tipline/shared/intake/masktest"
	"tipline/shared/twilio"
)

// The sender's number, in every format of masktest, reaches neither the
// fake Twilio outbox nor the staff API's queue, detail or CSV of the stack
// serve builds; another number in the message reaches them.
func TestServeNeverShowsTheSendersNumber(t *testing.T) {
	key := filepath.Join(t.TempDir(), "staff.key")
	srv := startTestStack(t, "-staff-token-key", key)
	var tok strings.Builder
	if err := runToken([]string{"-role", "supervisor", "-key-file", key}, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	const critical = "Auxilio, en un bar de La Pampa en Madre de Dios tienen encerradas a dos niñas menores de edad, esta noche las llevan."
	senders := map[string]bool{}
	for i, f := range masktest.Formats() {
		senders[f.From] = true
		form := url.Values{"MessageSid": {fmt.Sprintf("SM%032d", 900+i)}, "AccountSid": {localAccountSID}, "From": {f.From},
			"To": {"+51900000000"}, "Body": {critical + " " + f.Text}, "NumMedia": {"0"}}
		if f.Where != masktest.Body {
			form.Set("From", "whatsapp:"+f.From)
			form.Set("To", "whatsapp:+51900000000")
			form.Set("Body", critical)
			form.Set("Latitude", "-12.59")
			form.Set("Longitude", "-69.19")
			form.Set(map[masktest.Where]string{masktest.Label: "Label", masktest.Address: "Address"}[f.Where], f.Text)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/messages", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(config.LocalAuthToken, srv.URL+"/twilio/messages", form))
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d for %s", res.StatusCode, f.Name)
		}
	}
	get := func(path string) string {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s answered %d: %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	// Every tip is alerted by the sweep (every 50 ms): wait for one alert per tip.
	var outbox string
	for deadline := time.Now().Add(20 * time.Second); ; {
		outbox = get("/local/outbox")
		var out []struct{ To, Body string }
		if err := json.Unmarshal([]byte(outbox), &out); err != nil {
			t.Fatal(err)
		}
		if alerted := strings.Count(outbox, "TRATA"); alerted >= len(senders) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d alerts in the outbox, want at least one per tip (%d)", len(out), len(senders))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var list struct {
		Tips []struct{ ID string } `json:"tips"`
	}
	queue := get("/api/tips?limit=100")
	if err := json.Unmarshal([]byte(queue), &list); err != nil || len(list.Tips) != len(senders) {
		t.Fatalf("queue %s: want %d tips", queue, len(senders))
	}
	// The texts each view shows (not the ids and times around them).
	var texts []string
	var out []struct{ Body string }
	if err := json.Unmarshal([]byte(outbox), &out); err != nil {
		t.Fatal(err)
	}
	for _, m := range out {
		texts = append(texts, "alert: "+m.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(get("/api/tips.csv"), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != len(senders)+1 {
		t.Fatalf("CSV: %d rows, %v; want a header and %d tips", len(rows), err, len(senders))
	}
	for _, r := range rows[1:] {
		texts = append(texts, "CSV: "+r[len(r)-1])
	}
	for _, tp := range list.Tips {
		var d struct {
			Text     string `json:"text"`
			Messages []struct {
				Body     string `json:"body"`
				Location *struct{ Label, Address string }
			} `json:"messages"`
		}
		if err := json.Unmarshal([]byte(get("/api/tips/"+tp.ID)), &d); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, "detail: "+d.Text)
		for _, m := range d.Messages {
			texts = append(texts, "detail message: "+m.Body)
			if m.Location != nil {
				texts = append(texts, "detail location: "+m.Location.Label+" / "+m.Location.Address)
			}
		}
	}
	for _, s := range texts {
		for from := range senders {
			if masktest.Leaks(s, from) {
				t.Errorf("the number of %s reached %q", from, s)
			}
		}
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, "CSV: ") || strings.Count(all, masktest.Trafficker) < 2 {
		t.Errorf("the trafficker's number %s did not reach the CSV and the detail", masktest.Trafficker)
	}
}
