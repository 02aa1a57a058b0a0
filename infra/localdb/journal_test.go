package localdb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/infra/localdb"
)

const tbl = "tipline"

func jkey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "TIP"}}
}

func jitem(pk, text string) map[string]types.AttributeValue {
	it := jkey(pk)
	it["text"] = &types.AttributeValueMemberS{Value: text}
	it["version"] = &types.AttributeValueMemberN{Value: "1"}
	it["tags"] = &types.AttributeValueMemberSS{Value: []string{"a", "b"}}
	it["nested"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberBOOL{Value: true}, &types.AttributeValueMemberNULL{Value: true}}},
		"b": &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"n": &types.AttributeValueMemberN{Value: "1234567.25"}}}
	return it
}

func open(t *testing.T, dir string) (*localdb.Journal, localdb.Replay) {
	t.Helper()
	j, rep, err := localdb.Durable(context.Background(), tbl, dir)
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j, rep
}

// write puts tips A, B and C, bumps A's version, deletes B, and writes D and
// E in one transaction: one journal line per write.
func write(t *testing.T, j *localdb.Journal) {
	t.Helper()
	ctx := context.Background()
	for _, pk := range []string{"TIP#A", "TIP#B", "TIP#C"} {
		if _, err := j.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: jitem(pk, "hola "+pk),
			ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tbl), Key: jkey("TIP#A"),
		UpdateExpression:          aws.String("SET version = version + :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tbl), Key: jkey("TIP#B")}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(tbl), Item: jitem("TIP#D", "d")}},
		{Put: &types.Put{TableName: aws.String(tbl), Item: jitem("TIP#E", "e")}},
	}}); err != nil {
		t.Fatal(err)
	}
	// A write the engine refuses is not journalled.
	if _, err := j.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: jitem("TIP#C", "again"),
		ConditionExpression: aws.String("attribute_not_exists(PK)")}); err == nil {
		t.Fatal("got a second put of TIP#C accepted, want a conditional failure")
	}
}

// present lists which of the tips exist, with A's version.
func present(t *testing.T, j *localdb.Journal) string {
	t.Helper()
	var got []string
	for _, pk := range []string{"TIP#A", "TIP#B", "TIP#C", "TIP#D", "TIP#E"} {
		out, err := j.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: jkey(pk)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Item) == 0 {
			continue
		}
		s := strings.TrimPrefix(pk, "TIP#")
		if v, ok := out.Item["version"].(*types.AttributeValueMemberN); ok && v.Value != "1" {
			s += "v" + v.Value
		}
		n := out.Item["nested"].(*types.AttributeValueMemberM).Value["n"].(*types.AttributeValueMemberN).Value
		if n != "1234567.25" {
			t.Errorf("got nested number %s for %s, want its digits kept", n, pk)
		}
		got = append(got, s)
	}
	return strings.Join(got, ",")
}

func TestJournalReplay(t *testing.T) {
	tests := []struct {
		name        string
		damage      func(t *testing.T, path string)
		want        string
		wantSkipped string // in the one skipped sentence; empty for none
	}{
		{name: "every answered write is there after a restart", damage: func(*testing.T, string) {}, want: "Av2,C,D,E"},
		{name: "an unfinished last line is cut off and the rest replayed", damage: func(t *testing.T, path string) {
			appendBytes(t, path, `1234abcd {"at":"2026-12-01T00:00:00Z","ops":[{"table":"tipline","put":{"PK":{"S":"TIP#F"`)
		}, want: "Av2,C,D,E", wantSkipped: "unfinished last line"},
		{name: "a corrupt line is skipped and the lines after it still replayed", damage: func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Line 2 puts TIP#B; flip one byte of its text.
			lines := strings.SplitAfter(string(b), "\n")
			lines[1] = strings.Replace(lines[1], "hola TIP#B", "hola TIP#X", 1)
			if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: "Av2,C,D,E", wantSkipped: "line 2: checksum does not match"},
		{name: "a line that is not a record at all is skipped", damage: func(t *testing.T, path string) {
			appendBytes(t, path, "garbage\n")
		}, want: "Av2,C,D,E", wantSkipped: "no checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j, _ := open(t, dir)
			write(t, j)
			j.Close()
			path := filepath.Join(dir, "journal.log")
			tt.damage(t, path)

			j, rep := open(t, dir)
			if got := present(t, j); got != tt.want {
				t.Errorf("got tips %s after replay, want %s", got, tt.want)
			}
			switch {
			case tt.wantSkipped == "" && len(rep.Skipped) > 0:
				t.Errorf("got skipped %q, want none", rep.Skipped)
			case tt.wantSkipped != "" && (len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], tt.wantSkipped)):
				t.Errorf("got skipped %q, want one saying %q", rep.Skipped, tt.wantSkipped)
			case tt.wantSkipped != "" && rep.KeptCopy == "":
				t.Error("got no copy of the damaged journal kept, want one")
			}
			// The journal is usable after the damage: a new write survives
			// the next restart with the rest.
			if _, err := j.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: jitem("TIP#B", "back")}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j, rep = open(t, dir)
			if got, want := present(t, j), "Av2,B,C,D,E"; got != want {
				t.Errorf("got tips %s after a second restart, want %s", got, want)
			}
			if len(rep.Skipped) > 0 {
				t.Errorf("got skipped %q on the second restart, want none", rep.Skipped)
			}
		})
	}
}

func TestJournalDropsExpiredItemsAtReplay(t *testing.T) {
	dir := t.TempDir()
	j, _ := open(t, dir)
	ctx := context.Background()
	for pk, at := range map[string]string{"TIP#OLD": "1000000000", "TIP#NEW": "4000000000"} {
		it := jitem(pk, "x")
		it["expiresAt"] = &types.AttributeValueMemberN{Value: at}
		if _, err := j.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, rep := open(t, dir)
	for pk, want := range map[string]bool{"TIP#OLD": false, "TIP#NEW": true} {
		out, err := j.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: jkey(pk)})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(out.Item) > 0; got != want {
			t.Errorf("got %s present %v after replay, want %v (expiresAt passed: gone)", pk, got, want)
		}
	}
	if rep.Items != 1 {
		t.Errorf("got %d live items, want 1", rep.Items)
	}
}

func TestJournalRefusesASecondProcess(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	if _, _, err := localdb.Durable(context.Background(), tbl, dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("got %v opening a data folder in use, want an error saying it is in use", err)
	}
}

func appendBytes(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
