package intake_test

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	tclient "github.com/twilio/twilio-go/client"

	"tipline/shared/twilio"
)

var update = flag.Bool("update", false, "rewrite the event fixtures in events/")

// Fixture settings: the webhook as deployed behind the HTTP API, signed with a test token.
const (
	testToken   = "tiplinetesttoken"
	testBaseURL = "https://abc123defg.execute-api.us-east-1.amazonaws.com"
	testAccount = "AC11111111111111111111111111111111"
	eventsDir   = "../../events"
)

type fixture struct {
	file   string
	form   url.Values
	forged bool // signed with another token
}

func fixtures() []fixture {
	base := func(sid, from, body string) url.Values {
		return url.Values{
			"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {testAccount},
			"From": {from}, "To": {"+51900000000"}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
			"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"}, "FromCountry": {"PE"}, "ToCountry": {"PE"},
		}
	}
	wa := func(v url.Values) url.Values {
		v.Set("From", "whatsapp:"+v.Get("From"))
		v.Set("To", "whatsapp:+51900000000")
		v.Set("WaId", v.Get("From")[len("whatsapp:+"):])
		v.Set("ProfileName", "Rosa Quispe")
		v.Set("MessageType", "text")
		return v
	}
	sms := base("SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51987654321",
		"buenas, en el bar de la pampa km 108 hay chicas menores de 15 años atendiendo a mineros, el dueño les quito su dni")
	whatsapp := wa(base("SM1a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51976543210",
		"Hola 🙏 en un hospedaje de Wanchaq (Cusco) tienen encerradas a 2 chicas de 14 años, dicen que esta noche las llevan a Mazuko"))
	media := wa(base("MM2a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51965432109", ""))
	media.Set("NumMedia", "2")
	media.Set("MessageType", "image")
	media.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/"+testAccount+"/Messages/MM2a1b2c3d4e5f60718293a4b5c6d7e8f9/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	media.Set("MediaContentType0", "image/jpeg")
	media.Set("MediaUrl1", "https://api.twilio.com/2010-04-01/Accounts/"+testAccount+"/Messages/MM2a1b2c3d4e5f60718293a4b5c6d7e8f9/Media/ME1a1b2c3d4e5f60718293a4b5c6d7e8f9")
	media.Set("MediaContentType1", "audio/ogg")
	location := wa(base("SM3a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51954321098", ""))
	location.Set("MessageType", "location")
	location.Set("Latitude", "-12.5933")
	location.Set("Longitude", "-69.1891")
	location.Set("Address", "Jr. Loreto 123, Puerto Maldonado")
	location.Set("Label", "Discoteca La Noche")
	optOut := base("SM4a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51943210987", "BAJA")
	forged := base("SM5a1b2c3d4e5f60718293a4b5c6d7e8f9", "+51932109876", "hay una menor encerrada en el cuarto")
	return []fixture{
		{file: "twilio-sms.json", form: sms},
		{file: "twilio-whatsapp.json", form: whatsapp},
		{file: "twilio-media-only.json", form: media},
		{file: "twilio-whatsapp-location.json", form: location},
		{file: "twilio-opt-out.json", form: optOut},
		{file: "twilio-bad-signature.json", form: forged, forged: true},
	}
}

// event builds the API Gateway HTTP API (payload 2.0) event AWS delivers
// for a Twilio webhook: lower-case headers, form body in base64.
func event(f fixture) events.APIGatewayV2HTTPRequest {
	body := f.form.Encode()
	token := testToken
	if f.forged {
		token = "notthetoken"
	}
	sig := twilio.Sign(token, testBaseURL+"/twilio/messages", f.form)
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /twilio/messages", RawPath: "/twilio/messages", RawQueryString: "",
		Headers: map[string]string{
			"content-type": "application/x-www-form-urlencoded", "content-length": itoa(len(body)),
			"host": "abc123defg.execute-api.us-east-1.amazonaws.com", "user-agent": "TwilioProxy/1.1",
			"x-twilio-signature": sig, "i-twilio-idempotency-token": "0b1c2d3e-" + f.form.Get("MessageSid")[2:10],
			"x-amzn-trace-id": "Root=1-6745f1a2-0123456789abcdef01234567", "x-forwarded-for": "54.172.60.0",
			"x-forwarded-port": "443", "x-forwarded-proto": "https", "accept": "*/*",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "POST /twilio/messages", AccountID: "123456789012", Stage: "$default",
			RequestID: "Bq3Xyg0aoAMEbWA=", APIID: "abc123defg", DomainName: "abc123defg.execute-api.us-east-1.amazonaws.com",
			DomainPrefix: "abc123defg", Time: "20/Nov/2026:22:15:00 +0000", TimeEpoch: 1795731300000,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/twilio/messages",
				Protocol: "HTTP/1.1", SourceIP: "54.172.60.0", UserAgent: "TwilioProxy/1.1"},
		},
		Body: base64.StdEncoding.EncodeToString([]byte(body)), IsBase64Encoded: true,
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func loadEvent(t *testing.T, file string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(eventsDir, file))
	if err != nil {
		t.Fatalf("read fixture: %v (run go test ./shared/intake -run TestFixtures -update)", err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return ev
}

// TestFixtures re-verifies the signature of every fixture in events/ with
// twilio-go's validator, so fixtures cannot rot.
func TestFixtures(t *testing.T) {
	rv := tclient.NewRequestValidator(testToken)
	for _, f := range fixtures() {
		if *update {
			raw, err := json.MarshalIndent(event(f), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(eventsDir, f.file), append(raw, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Run(f.file, func(t *testing.T) {
			ev := loadEvent(t, f.file)
			if !ev.IsBase64Encoded || ev.Headers["content-type"] != "application/x-www-form-urlencoded" {
				t.Errorf("fixture is not shaped as AWS delivers forms: base64 %v, content-type %q", ev.IsBase64Encoded, ev.Headers["content-type"])
			}
			body, err := base64.StdEncoding.DecodeString(ev.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := rv.ValidateBody(testBaseURL+ev.RawPath, body, ev.Headers["x-twilio-signature"])
			if got == f.forged {
				t.Errorf("signature valid = %v, want %v", got, !f.forged)
			}
		})
	}
}
