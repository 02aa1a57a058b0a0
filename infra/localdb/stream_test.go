package localdb_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"tipline/infra/localdb"
)

func TestEventRecordKeepsEveryAttributeType(t *testing.T) {
	image := map[string]streamtypes.AttributeValue{
		"PK":    &streamtypes.AttributeValueMemberS{Value: "TIP#1"},
		"n":     &streamtypes.AttributeValueMemberN{Value: "42"},
		"b":     &streamtypes.AttributeValueMemberB{Value: []byte{1, 2}},
		"ok":    &streamtypes.AttributeValueMemberBOOL{Value: true},
		"null":  &streamtypes.AttributeValueMemberNULL{Value: true},
		"ss":    &streamtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":    &streamtypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":    &streamtypes.AttributeValueMemberBS{Value: [][]byte{{3}}},
		"list":  &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{&streamtypes.AttributeValueMemberS{Value: "x"}}},
		"inner": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{"k": &streamtypes.AttributeValueMemberN{Value: "7"}}},
	}
	rec, err := localdb.EventRecord(streamtypes.Record{EventID: aws.String("e1"), EventName: streamtypes.OperationTypeInsert,
		Dynamodb: &streamtypes.StreamRecord{Keys: map[string]streamtypes.AttributeValue{"PK": image["PK"]}, NewImage: image,
			SequenceNumber: aws.String("0001"), StreamViewType: streamtypes.StreamViewTypeNewAndOldImages}}, "arn:stream")
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Change.NewImage
	tests := []struct {
		name string
		ok   bool
	}{
		{"a string stays a string", got["PK"].String() == "TIP#1"},
		{"a number stays a number", got["n"].DataType() == events.DataTypeNumber && got["n"].Number() == "42"},
		{"binary stays binary", string(got["b"].Binary()) == "\x01\x02"},
		{"a boolean stays a boolean", got["ok"].Boolean()},
		{"null stays null", got["null"].IsNull()},
		{"a string set stays a string set", len(got["ss"].StringSet()) == 2},
		{"a number set stays a number set", len(got["ns"].NumberSet()) == 2},
		{"a binary set stays a binary set", len(got["bs"].BinarySet()) == 1},
		{"a list keeps its items", len(got["list"].List()) == 1 && got["list"].List()[0].String() == "x"},
		{"a map keeps its keys", got["inner"].Map()["k"].Number() == "7"},
		{"the keys, id, name, sequence and source are kept", rec.Change.Keys["PK"].String() == "TIP#1" && rec.EventID == "e1" &&
			rec.EventName == "INSERT" && rec.Change.SequenceNumber == "0001" && rec.EventSourceArn == "arn:stream"},
		{"no old image stays no old image", rec.Change.OldImage == nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("record %+v", rec)
			}
		})
	}
}
