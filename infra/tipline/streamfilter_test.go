package main

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"tipline"
)

func streamRecord(name string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{NewImage: img, SequenceNumber: "1"}}
}

func TestLocalStreamAppliesTheTemplatesFilters(t *testing.T) {
	s, b := events.NewStringAttribute, events.NewBooleanAttribute
	reportable := map[string]events.DynamoDBAttributeValue{"type": s("tip"), "reportable": b(true), "status": s("triaged"), "version": events.NewNumberAttribute("2")}
	low := map[string]events.DynamoDBAttributeValue{"type": s("tip"), "reportable": b(false), "status": s("triaged")}
	forwarded := map[string]events.DynamoDBAttributeValue{"type": s("tip"), "reportable": b(true), "status": s("forwarded")}
	pending := map[string]events.DynamoDBAttributeValue{"type": s("alert"), "status": s("pending")}
	sent := map[string]events.DynamoDBAttributeValue{"type": s("alert"), "status": s("sent")}
	route := map[string]events.DynamoDBAttributeValue{"type": s("route"), "status": s("pending")}
	tests := []struct {
		name     string
		function string
		record   events.DynamoDBEventRecord
		want     bool
	}{
		{"a reportable triaged tip reaches dispatch-alerts", "DispatchAlertsFunction", streamRecord("INSERT", reportable), true},
		{"its modification reaches dispatch-alerts too", "DispatchAlertsFunction", streamRecord("MODIFY", reportable), true},
		{"its removal does not", "DispatchAlertsFunction", streamRecord("REMOVE", reportable), false},
		{"a tip that is not reportable does not reach dispatch-alerts", "DispatchAlertsFunction", streamRecord("INSERT", low), false},
		{"a forwarded tip does not reach dispatch-alerts", "DispatchAlertsFunction", streamRecord("MODIFY", forwarded), false},
		{"a pending alert does not reach dispatch-alerts", "DispatchAlertsFunction", streamRecord("INSERT", pending), false},
		{"a pending alert reaches send-alerts", "SendAlertsFunction", streamRecord("INSERT", pending), true},
		{"a sent alert does not reach send-alerts", "SendAlertsFunction", streamRecord("MODIFY", sent), false},
		{"a pending route does not reach send-alerts", "SendAlertsFunction", streamRecord("INSERT", route), false},
		{"a reportable tip does not reach send-alerts", "SendAlertsFunction", streamRecord("INSERT", reportable), false},
		{"a TTL deletion reaches neither", "SendAlertsFunction", events.DynamoDBEventRecord{EventName: "UNKNOWN_TO_SDK_VERSION"}, false},
	}
	filters, err := streamFilters(tipline.Template)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := filters[tc.function]
			if !ok || len(f.patterns) == 0 {
				t.Fatalf("template.yaml has no stream filter on %s", tc.function)
			}
			if got := f.Match(tc.record); got != tc.want {
				t.Errorf("Match(%s) = %v, want %v", tc.record.EventName, got, tc.want)
			}
		})
	}
}

func TestStreamFiltersRefuseRulesTheyCannotApply(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		wantErr bool
	}{
		{"exact values are applied", `{"eventName":["INSERT"]}`, false},
		{"exists and prefix are applied", `{"dynamodb":{"Keys":{"PK":{"S":[{"prefix":"TIP#"}]}},"NewImage":{"x":[{"exists":false}]}}}`, false},
		{"a numeric rule is refused", `{"dynamodb":{"NewImage":{"n":{"N":[{"numeric":[">",1]}]}}}}`, true},
		{"a leaf that is not an array is refused", `{"eventName":"INSERT"}`, true},
		{"a pattern that is not JSON is refused", `{eventName`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        S:\n          Type: DynamoDB\n          Properties:\n            Stream: !GetAtt T.StreamArn\n            FilterCriteria:\n              Filters:\n                - Pattern: '" + tc.pattern + "'\n"
			_, err := streamFilters([]byte(tpl))
			if (err != nil) != tc.wantErr {
				t.Errorf("streamFilters() error = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestPrefixAndExistsRules(t *testing.T) {
	filters, err := streamFilters([]byte("Resources:\n  F:\n    Properties:\n      Events:\n        S:\n          Type: DynamoDB\n          Properties:\n            FilterCriteria:\n              Filters:\n                - Pattern: '{\"dynamodb\":{\"Keys\":{\"PK\":{\"S\":[{\"prefix\":\"TIP#\"}]}},\"NewImage\":{\"gone\":[{\"exists\":false}]}}}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	rec := func(pk string, extra bool) events.DynamoDBEventRecord {
		r := streamRecord("INSERT", map[string]events.DynamoDBAttributeValue{"a": events.NewStringAttribute("b")})
		r.Change.Keys = map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute(pk)}
		if extra {
			r.Change.NewImage["gone"] = events.NewStringAttribute("here")
		}
		return r
	}
	tests := []struct {
		name string
		rec  events.DynamoDBEventRecord
		want bool
	}{
		{"a key with the prefix and no such attribute passes", rec("TIP#1", false), true},
		{"a key without the prefix is dropped", rec("AUTH#1", false), false},
		{"an attribute that must not exist is dropped when present", rec("TIP#1", true), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := filters["F"].Match(tc.rec); got != tc.want {
				t.Errorf("Match() = %v, want %v", got, tc.want)
			}
		})
	}
}
