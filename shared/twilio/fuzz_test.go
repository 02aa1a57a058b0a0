package twilio_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"tipline/shared/tip"
	"tipline/shared/twilio"
)

const fuzzToken, fuzzBase = "fuzz-auth-token", "https://abc123defg.execute-api.us-east-1.amazonaws.com"

// FuzzParseInbound feeds any form body to the webhook parser: it never
// panics, refuses with kind invalid, and what it accepts is well formed.
func FuzzParseInbound(f *testing.F) {
	f.Add("MessageSid=SM1&From=%2B51987654321&To=%2B51900000000&Body=hola")
	f.Add("MessageSid=SM1&From=whatsapp%3A%2B51987654321&To=whatsapp%3A%2B51900000000&NumMedia=2&MediaUrl0=https%3A%2F%2Fa&MediaUrl1=x&Latitude=-12.5&Longitude=-69.1&Label=bar")
	f.Add("MessageSid=SM1&From=%2B51987654321&To=x&NumMedia=99999999999999999999")
	f.Add("MessageSid=SM1&From=%2B51987654321&To=x&Latitude=NaN&Longitude=Inf")
	f.Add("Body=%ff%fe&MessageSid=%00&From=+")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		in, err := twilio.ParseInbound(form)
		if err != nil {
			if !tip.Is(err, tip.KindInvalid) {
				t.Fatalf("ParseInbound error %v is not of kind invalid", err)
			}
			return
		}
		if !tip.ValidE164(in.From) || in.MessageSID == "" || in.To == "" || len(in.Media) > twilio.MaxMedia {
			t.Fatalf("ParseInbound accepted %+v", in)
		}
		for _, s := range []string{in.Body, in.ProfileName, in.MessageSID} {
			if !utf8.ValidString(s) {
				t.Fatalf("ParseInbound kept invalid UTF-8 %q", s)
			}
		}
		if in.Location != nil && (in.Location.Latitude < -90 || in.Location.Latitude > 90 || in.Location.Longitude < -180 || in.Location.Longitude > 180) {
			t.Fatalf("location out of range: %+v", in.Location)
		}
	})
}

// FuzzReadSigned feeds any request to the raw body reader and signature
// check: it never panics, answers one of its refusals, and accepts a form
// only when it is signed for its URL, body and token, and nothing changed.
func FuzzReadSigned(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded", "/twilio/messages", "MessageSid=SM1&Body=hola", true, false)
	f.Add("POST", "application/x-www-form-urlencoded; charset=utf-8", "/twilio/messages?x=1", "a=1&a=2&b=", true, true)
	f.Add("GET", "text/plain", "/twilio/messages", "", false, false)
	f.Add("POST", "application/x-www-form-urlencoded", "/twilio/status", "%zz", true, false)
	v := twilio.NewValidator(fuzzToken, fuzzBase)
	f.Fuzz(func(t *testing.T, method, contentType, path, body string, sign, tamper bool) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " #\r\n\t") || !validMethod(method) {
			return
		}
		sent := body
		if tamper {
			sent = body + "&x=tampered" // changed after signing
		}
		req, err := http.NewRequest(method, "http://local"+path, strings.NewReader(sent))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", contentType)
		if sign {
			if form, err := url.ParseQuery(body); err == nil {
				req.Header.Set(twilio.SignatureHeader, twilio.Sign(fuzzToken, v.URL(req), form))
			}
		}
		w := httptest.NewRecorder()
		form, rf := v.ReadSigned(w, req, "")
		if rf != nil {
			switch rf.Status {
			case 400, 403, 405, 413, 415:
			default:
				t.Fatalf("refusal %+v has an unexpected status", rf)
			}
			return
		}
		if form == nil || method != http.MethodPost || len(sent) > twilio.MaxBody || !sign || (tamper && !sameFirstValues(body, sent)) {
			t.Fatalf("accepted %s %q (signed %v, tampered %v, %d bytes)", method, path, sign, tamper, len(sent))
		}
	})
}

// sameFirstValues reports whether two form bodies have the same keys with
// the same first values. That is what Twilio's signature covers as
// twilio-go's validator checks it (each key's first value), and all that
// ParseInbound reads, so a tamper that only adds a later value to a key
// already signed changes nothing that is read: "x&0" and "x&0&x=tampered".
func sameFirstValues(a, b string) bool {
	fa, errA := url.ParseQuery(a)
	fb, errB := url.ParseQuery(b)
	if errA != nil || errB != nil || len(fa) != len(fb) {
		return false
	}
	for k, v := range fa {
		if w, ok := fb[k]; !ok || v[0] != w[0] {
			return false
		}
	}
	return true
}

func validMethod(m string) bool {
	return m != "" && !strings.ContainsFunc(m, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) })
}
