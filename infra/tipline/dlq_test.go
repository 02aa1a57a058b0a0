package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
	"tipline/infra/seed"
	"tipline/shared/alert"
	"tipline/shared/deadletter"
	"tipline/shared/edge"
	"tipline/shared/reply"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// flakyDB fails every write while broken: a table that throttles or a
// permission a deploy dropped.
type flakyDB struct {
	store.API
	broken atomic.Bool
}

var errBroken = errors.New("flaky table: write refused")

func (f *flakyDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if f.broken.Load() {
		return nil, errBroken
	}
	return f.API.PutItem(ctx, in, o...)
}

func (f *flakyDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.broken.Load() {
		return nil, errBroken
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

func TestDeadLettersAreRedrivenOnce(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Embedded(ctx, "dlq")
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyDB{API: db}
	st := store.New(flaky, "dlq", nil)
	if _, _, err := seed.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	texts, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	book, err := reply.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := alert.New(alert.Config{From: "+51900000000"}, alert.Deps{Store: st, Texts: texts, Replies: book, Log: edge.Logger(io.Discard, "error")})

	now := time.Now().UTC()
	tp := &tip.Tip{ID: "01TIPDLQ0000000000000000001", Ref: "DLQ001", Channel: tip.SMS, Status: tip.StatusTriaged, To: "+51900000000",
		ReporterKey: "rk-dlq", Text: "tienen encerradas a dos chicas de 15 años en La Pampa",
		Triage: tip.Triage{Urgency: tip.Critical, Reportable: true, Category: tip.CategorySexual, Region: "PE-MDD", Minor: true,
			ImmediateDanger: true, Language: tip.LangSpanish},
		MessageCount: 1, CreatedAt: now, UpdatedAt: now, LastInbound: now, Version: 1}
	msg := &tip.Message{SID: "SM000000000000000000000000000dlq1", Direction: tip.Inbound, Body: tp.Text, CreatedAt: now}
	if err := st.CreateTip(ctx, store.NewTip{Tip: tp, Message: msg, Reply: "<Response/>", Window: time.Hour}); err != nil {
		t.Fatal(err)
	}

	// The stream delivers the tip while the table refuses writes: the
	// consumer fails the record, and serve keeps it as a dead letter.
	dir := deadletter.Dir{Path: t.TempDir()}
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "TIP#" + tp.ID}, "SK": &types.AttributeValueMemberS{Value: "TIP"}}
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("dlq"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventID: "e1", EventName: "INSERT",
		Change: events.DynamoDBStreamRecord{Keys: alert.EventImage(key), NewImage: alert.EventImage(item.Item), SequenceNumber: "100"}}}}
	flaky.broken.Store(true)
	resp, _ := keepFailed(edge.Logger(io.Discard, "error"), dir, "dispatch-alerts", d.HandleTipStream)(ctx, ev)
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("got %d failed records with the table refusing writes, want 1", len(resp.BatchItemFailures))
	}
	flaky.broken.Store(false)

	var listed bytes.Buffer
	if err := listLetters(ctx, dir, &listed, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed.String(), tp.ID) || !strings.Contains(listed.String(), "tip") || !strings.Contains(listed.String(), "dispatch-alerts") {
		t.Errorf("dlq list printed %q, want the tip id, its kind and the function", listed.String())
	}
	if strings.Contains(listed.String(), "encerradas") || strings.Contains(listed.String(), tp.Ref) {
		t.Errorf("dlq list printed the tip's text or reference: %q", listed.String())
	}

	x := &deadletter.Redriver{DB: db, Table: "dlq", Tip: d.HandleTipStream, Alert: d.HandleAlertStream}
	alertsAfter := func() int {
		a, err := st.Alerts(ctx, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(a)
	}
	if n := alertsAfter(); n != 0 {
		t.Fatalf("got %d alerts before the redrive, want none (the dispatch failed)", n)
	}
	var out, progress bytes.Buffer
	if err := redrive(ctx, x, dir, &out, &progress); err != nil {
		t.Fatalf("first redrive: %v (%s)", err, out.String())
	}
	first := alertsAfter()
	if first == 0 {
		t.Fatalf("no alert after the redrive; it printed %q", out.String())
	}
	if !strings.Contains(out.String(), "1 records redriven") {
		t.Errorf("first redrive printed %q", out.String())
	}
	got, err := st.Tip(ctx, tp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != tip.StatusForwarded {
		t.Errorf("got tip status %s after the redrive, want forwarded", got.Status)
	}

	out.Reset()
	if err := redrive(ctx, x, dir, &out, &progress); err != nil {
		t.Fatalf("second redrive: %v", err)
	}
	if !strings.Contains(out.String(), "nothing to do") {
		t.Errorf("second redrive printed %q, want nothing to do", out.String())
	}
	if n := alertsAfter(); n != first {
		t.Errorf("got %d alerts after a second redrive, want the %d of the first", n, first)
	}
}
