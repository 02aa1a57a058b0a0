package alert_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/alert"
	"tipline/shared/tip"
)

// An alert records the channel it was actually sent by: a WhatsApp contact
// gets the alert by SMS when no WhatsApp template is configured.
func TestAlertRecordsTheChannelUsed(t *testing.T) {
	tests := []struct {
		name   string
		tune   func(*alert.Config)
		wantTo string
		want   tip.Channel
	}{
		{"without a template a WhatsApp contact is alerted and recorded by SMS", nil, "+51900000111", tip.SMS},
		{"with a template a WhatsApp contact is alerted and recorded by WhatsApp", func(c *alert.Config) {
			c.WhatsAppFrom, c.WhatsAppContentSID = "+51900000001", "HX00000000000000000000000000000000"
		}, "whatsapp:+51900000111", tip.WhatsApp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, tc.tune)
			a := authorities[0]
			a.Contacts = []tip.Contact{{Channel: tip.WhatsApp, Address: "+51900000111", Tier: 1}}
			if err := e.store.PutAuthority(e.ctx, a); err != nil {
				t.Fatal(err)
			}
			tp := e.newTip(mddText, critical("PE-MDD", false))
			e.clock.Advance(time.Minute) // past the grace left to the stream
			e.sweep()
			e.sweep()
			var channel string
			for _, it := range e.alertItems(tp.ID) {
				if it["authority_id"].(*types.AttributeValueMemberS).Value == a.ID {
					channel = it["channel"].(*types.AttributeValueMemberS).Value
				}
			}
			if e.sentTo()[tc.wantTo] != 1 {
				t.Errorf("got messages to %v, want one to %s", e.sentTo(), tc.wantTo)
			}
			if channel != string(tc.want) {
				t.Errorf("got the alert recorded with channel %q, want %q", channel, tc.want)
			}
		})
	}
}
