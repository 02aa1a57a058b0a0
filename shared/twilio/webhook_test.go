package twilio_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// Twilio's published test vector (twilio-go client/request_validator_test.go).
var vector = url.Values{
	"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
	"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
}

func TestSignMatchesTwiliosVectors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://mycompany.com/myapp.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY="},
		{"http://mycompany.com/myapp.php?foo=1&bar=2", "n2xBNyzSW7rfYStDtOFiFMv7qNo="},
	}
	for _, tc := range tests {
		if got := twilio.Sign("12345", tc.url, vector); got != tc.want {
			t.Errorf("Sign(%s) = %s, want %s", tc.url, got, tc.want)
		}
	}
}

func TestValidatorUsesThePublicURL(t *testing.T) {
	v := twilio.NewValidator("12345", "https://mycompany.com/")
	body := vector.Encode()
	tests := []struct {
		name, target, sig string
		want              bool
	}{
		{"a signature of the public URL with the raw query", "/myapp.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"the same signature for another path", "/other.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY=", false},
		{"a re-ordered query", "/myapp.php?bar=2&foo=1", "vOEb5UThFn24KEfnOFLQY2AE5FY=", false},
		{"the http signature", "/myapp.php?foo=1&bar=2", "n2xBNyzSW7rfYStDtOFiFMv7qNo=", false},
		{"no signature", "/myapp.php?foo=1&bar=2", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.target, strings.NewReader(body))
			if tc.sig != "" {
				r.Header.Set(twilio.SignatureHeader, tc.sig)
			}
			if got := v.Valid(r, []byte(body)); got != tc.want {
				t.Errorf("Valid() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseInbound(t *testing.T) {
	base := func() url.Values {
		return url.Values{"MessageSid": {"SM1"}, "From": {"whatsapp:+51987654321"}, "To": {"whatsapp:+51900000000"}, "Body": {"hola"}}
	}
	t.Run("WhatsApp with media and a location", func(t *testing.T) {
		f := base()
		f.Set("NumMedia", "2")
		f.Set("MediaUrl0", "https://api.twilio.com/m0")
		f.Set("MediaContentType0", "image/jpeg")
		f.Set("MediaUrl1", "https://api.twilio.com/m1")
		f.Set("MediaContentType1", "audio/ogg")
		f.Set("Latitude", "-12.59")
		f.Set("Longitude", "-69.19")
		f.Set("Label", "bar")
		in, err := twilio.ParseInbound(f)
		if err != nil {
			t.Fatal(err)
		}
		if in.Channel != tip.WhatsApp || in.From != "+51987654321" || in.Address() != "whatsapp:+51987654321" ||
			len(in.Media) != 2 || in.Media[1].ContentType != "audio/ogg" || in.Location == nil || in.Location.Label != "bar" {
			t.Errorf("ParseInbound() = %+v", in)
		}
	})
	t.Run("invalid UTF-8 in the body and the location becomes valid", func(t *testing.T) {
		f := base()
		f.Set("Body", "ni\xf1a de 14 a\xf1os \xff")
		f.Set("Latitude", "-12.59")
		f.Set("Longitude", "-69.19")
		f.Set("Label", "bar \xc3")
		f.Set("Address", "Jr. \xe9 123")
		in, err := twilio.ParseInbound(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{in.Body, in.Location.Label, in.Location.Address} {
			if !utf8.ValidString(s) || !strings.Contains(s, "\uFFFD") {
				t.Errorf("text %q: want valid UTF-8 with U+FFFD for the invalid bytes", s)
			}
		}
		if in.Body != "ni\uFFFDa de 14 a\uFFFDos \uFFFD" {
			t.Errorf("body = %q, want the valid parts kept", in.Body)
		}
	})
	for _, tc := range []struct {
		name string
		set  map[string]string
	}{
		{"no MessageSid", map[string]string{"MessageSid": ""}},
		{"a From that is not E.164", map[string]string{"From": "0987654321"}},
		{"no To", map[string]string{"To": ""}},
		{"a NumMedia that is not a count", map[string]string{"NumMedia": "two"}},
		{"a latitude out of range", map[string]string{"Latitude": "-120", "Longitude": "0"}},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			f := base()
			for k, v := range tc.set {
				f.Set(k, v)
			}
			if _, err := twilio.ParseInbound(f); !tip.Is(err, tip.KindInvalid) {
				t.Errorf("error = %v, want invalid", err)
			}
		})
	}
}
