package alert_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// auditFails fails every transaction that writes an audit entry while on.
type auditFails struct {
	store.API
	on atomic.Bool
}

func (f *auditFails) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		if it.Put == nil || !f.on.Load() {
			continue
		}
		if sk, ok := it.Put.Item["SK"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(sk.Value, "AUDIT#") {
			return nil, &types.InternalServerError{Message: new(string)}
		}
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

// A status callback whose audit entry cannot be written answers 503, so
// that Twilio retries, and records nothing; the retry records both.
func TestStatusCallbackFailsWhenItsAuditFails(t *testing.T) {
	e := newEnv(t)
	tp := e.newTip(mddText, critical("PE-MDD", false))
	if err := e.d.Dispatch(e.ctx, tp.ID); err != nil {
		t.Fatal(err)
	}
	e.sweep()
	k := tip.AlertKey{TipID: tp.ID, AuthorityID: "fistrap-mdd", Contact: 0}
	a, err := e.store.Alert(e.ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	faulty := &auditFails{API: e.db}
	texts, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := alert.New(alert.Config{From: "+51900000000"}, alert.Deps{Store: store.New(faulty, e.table, e.clock.Now),
		Texts: texts, Replies: book, Log: edge.Logger(e.logs, "debug"), Now: e.clock.Now})
	h := d.StatusHandler(twilio.NewValidator(testToken, testBase), testAccount)
	post := func() int {
		q := url.Values{"alert": {k.String()}}.Encode()
		form := url.Values{"MessageSid": {a.SID}, "MessageStatus": {"delivered"}, "AccountSid": {testAccount}, "To": {"+51900000111"}}
		req := httptest.NewRequest(http.MethodPost, "/twilio/status?"+q, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(testToken, testBase+"/twilio/status?"+q, form))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	delivered := func() (string, int) {
		got, _ := e.store.Alert(e.ctx, k)
		return got.Delivery, e.actions(tp.ID)["alert.delivered"]
	}
	faulty.on.Store(true)
	if code := post(); code != http.StatusServiceUnavailable {
		t.Errorf("with the audit failing the callback answered %d, want 503", code)
	}
	if status, audited := delivered(); status == "delivered" || audited != 0 {
		t.Errorf("after a failed callback: delivery %s, %d audit entries; want neither recorded", status, audited)
	}
	faulty.on.Store(false)
	if code := post(); code != http.StatusNoContent {
		t.Errorf("Twilio's retry answered %d, want 204", code)
	}
	if status, audited := delivered(); status != "delivered" || audited != 1 {
		t.Errorf("after the retry: delivery %s, %d audit entries; want delivered and one entry", status, audited)
	}
}
