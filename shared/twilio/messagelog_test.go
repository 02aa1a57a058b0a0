package twilio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

func TestReplyTextReadsBackWhatReplyWrote(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a reply's text comes back as it was written", "Gracias. Su código es K7Q3MX. Escriba BAJA para no recibir más mensajes.", []string{"Gracias. Su código es K7Q3MX. Escriba BAJA para no recibir más mensajes."}},
		{"characters XML escapes come back unescaped", "Llame al 105 <ahora> & guarde \"K7Q3MX\"", []string{"Llame al 105 <ahora> & guarde \"K7Q3MX\""}},
		{"an empty reply has no message", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := twilio.Reply(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := twilio.ReplyText(doc)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("ReplyText(Reply(%q)) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
	if _, err := twilio.ReplyText("not xml"); err == nil {
		t.Error("ReplyText(not xml) gave no error")
	}
}

const (
	logAccount = "AC44444444444444444444444444444444"
	logToken   = "tiplinelogtoken"
	campaignNo = "+51900000000"
)

func TestInboundToReadsTheMessageLogAsTwilioPagesIt(t *testing.T) {
	now := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	clock := now
	fake := &fakeapi.Server{AccountSID: logAccount, AuthToken: logToken, Now: func() time.Time { return clock }}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: logAccount, AuthToken: logToken, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// 2 500 messages to the campaign number, a minute apart (three pages of
	// 1 000), some to another number, a WhatsApp one with a photo, and an
	// outbound reply, which the list must leave out.
	for i := 0; i < 2500; i++ {
		if _, err := fake.Receive("+5198700"+pad(i), campaignNo, "mensaje", "", ""); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if _, err := fake.Receive("+51987000001", "+51911111111", "a otro número", "", ""); err != nil {
				t.Fatal(err)
			}
		}
		clock = clock.Add(time.Minute)
	}
	if _, err := fake.Receive("whatsapp:+51987000002", "whatsapp:"+campaignNo, "", "https://example.org/foto.jpg", "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if _, err := sender.Send(context.Background(), campaignNo, "+51987000003", "respuesta"); err != nil {
		t.Fatal(err)
	}
	fake.Wait()

	tests := []struct {
		name      string
		to        string
		since     time.Time
		wantCount int
	}{
		{"every message to the number since the first, across three pages", campaignNo, now, 2500},
		{"only those on or after a time", campaignNo, now.Add(2400 * time.Minute), 100},
		{"none after the last", campaignNo, clock.Add(time.Minute), 0},
		{"WhatsApp messages by their whatsapp: address", "whatsapp:" + campaignNo, now, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sender.InboundTo(context.Background(), tc.to, tc.since, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantCount {
				t.Fatalf("InboundTo() listed %d messages, want %d", len(got), tc.wantCount)
			}
			seen := map[string]bool{}
			for i, m := range got {
				if seen[m.SID] {
					t.Fatalf("message %s listed twice", m.SID)
				}
				seen[m.SID] = true
				if m.To != tc.to || m.DateSent.Before(tc.since) {
					t.Fatalf("listed a message to %s sent %s", m.To, m.DateSent)
				}
				if i > 0 && m.DateSent.After(got[i-1].DateSent) {
					t.Fatalf("message %d is newer than the one before it: want most recent first", i)
				}
			}
		})
	}
	wa, err := sender.InboundTo(context.Background(), "whatsapp:"+campaignNo, now, 0)
	if err != nil || len(wa) != 1 {
		t.Fatalf("InboundTo(whatsapp) = %v, %v", wa, err)
	}
	if len(wa[0].Media) != 1 || wa[0].Media[0].ContentType != "image/jpeg" || !strings.HasPrefix(wa[0].Media[0].URL, srv.URL+"/2010-04-01/Accounts/"+logAccount+"/Messages/"+wa[0].SID+"/Media/ME") {
		t.Errorf("media of the WhatsApp message = %+v, want one image at its Twilio media URL", wa[0].Media)
	}
	in, err := twilio.ParseInbound(wa[0].Form())
	if err != nil || in.Channel != "whatsapp" || in.From != "+51987000002" || len(in.Media) != 1 {
		t.Errorf("ParseInbound(Form()) = %+v, %v; want the WhatsApp message with its photo", in, err)
	}
}

func pad(i int) string { return fmt.Sprintf("%04d", i) }
