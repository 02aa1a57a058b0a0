package metric_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"tipline/shared/metric"
	"tipline/shared/metric/emfcheck"
)

var pinned = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestLinesFollowTheSpecification(t *testing.T) {
	tests := []struct {
		name     string
		record   func(r *metric.Recorder)
		wantName string
		wantUnit string
		want     float64
		wantDims map[string]string
	}{
		{"a tip received is a count by channel, urgency and region",
			func(r *metric.Recorder) {
				r.Count(metric.TipsReceived, 1, metric.Channel("sms"), metric.Urgency("critical"), metric.Region("PE-MDD"))
			},
			metric.TipsReceived, "Count", 1, map[string]string{"Channel": "sms", "Urgency": "critical", "Region": "PE-MDD"}},
		{"a duration is milliseconds with a fraction",
			func(r *metric.Recorder) { r.Duration(metric.WebhookDuration, 1500*time.Microsecond) },
			metric.WebhookDuration, "Milliseconds", 1.5, map[string]string{}},
		{"a refusal names its reason with underscores",
			func(r *metric.Recorder) { r.Count(metric.WebhookRefused, 1, metric.Reason("bad signature")) },
			metric.WebhookRefused, "Count", 1, map[string]string{"Reason": "bad_signature"}},
		{"the reconciler's recovered messages are a count",
			func(r *metric.Recorder) { r.Recovered(3) },
			metric.ReconcilerRecovered, "Count", 3, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.record(metric.New(&buf, "receive-message", func() time.Time { return pinned }))
			line := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if bytes.Contains(line, []byte("\n")) {
				t.Fatalf("got more than one line: %s", buf.String())
			}
			pts, err := emfcheck.Parse(line)
			if err != nil {
				t.Fatalf("line %s: %v", line, err)
			}
			if len(pts) != 1 {
				t.Fatalf("got %d points, want 1", len(pts))
			}
			p := pts[0]
			if p.Namespace != "Tipline" || p.Name != tt.wantName || p.Unit != tt.wantUnit || p.Value != tt.want {
				t.Errorf("got %s/%s %v %s, want Tipline/%s %v %s", p.Namespace, p.Name, p.Value, p.Unit, tt.wantName, tt.want, tt.wantUnit)
			}
			if p.Timestamp != pinned.UnixMilli() {
				t.Errorf("got timestamp %d, want %d", p.Timestamp, pinned.UnixMilli())
			}
			// One set without dimensions (the totals), one by function, one per dimension.
			if len(p.Dimensions) != 2+len(tt.wantDims) || len(p.Dimensions[0]) != 0 || p.Dimensions[1]["Function"] != "receive-message" {
				t.Errorf("got dimension sets %v", p.Dimensions)
			}
			for _, set := range p.Dimensions[2:] {
				for k, v := range set {
					if tt.wantDims[k] != v {
						t.Errorf("got dimension %s=%s, want %q", k, v, tt.wantDims[k])
					}
				}
			}
		})
	}
}

func TestDimensionsKeepToTheirClosedSets(t *testing.T) {
	tests := []struct {
		name string
		dim  metric.Dim
		want string
	}{
		{"a phone number given as a channel is other", metric.Channel("+51987650001"), "other"},
		{"a reference code given as an urgency is other", metric.Urgency("K7Q3MX"), "other"},
		{"a place name given as a region is other", metric.Region("La Pampa km 108"), "other"},
		{"no region is none", metric.Region(""), "none"},
		{"an error text given as a reason is other", metric.Reason("From +51987650001 is not E.164"), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			metric.New(&buf, "receive-message", nil).Count(metric.TipsReceived, 1, tt.dim)
			pts, err := emfcheck.Parse(bytes.TrimSpace(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			for _, set := range pts[0].Dimensions[2:] {
				for _, v := range set {
					if v != tt.want {
						t.Errorf("got dimension value %q, want %q", v, tt.want)
					}
				}
			}
		})
	}
}

func TestParseRefusesWhatTheSpecificationForbids(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"no metadata", `{"TipsReceived":1}`, "no _aws"},
		{"a timestamp in seconds", `{"_aws":{"Timestamp":1700000000,"CloudWatchMetrics":[]}}`, "milliseconds"},
		{"an empty namespace", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]},"X":1}`, "Namespace"},
		{"a unit outside the list", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X","Unit":"Tips"}]}]},"X":1}`, "unit"},
		{"a dimension that is a number", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"X"}]}]},"X":1,"D":2}`, "dimension"},
		{"a metric with no value", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]}}`, "no member"},
		{"a metric that is a string", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]},"X":"1"}`, "neither"},
		{"a storage resolution of 5", `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X","StorageResolution":5}]}]},"X":1}`, "StorageResolution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emfcheck.Parse([]byte(tt.line))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestANilRecorderRecordsNothing(t *testing.T) {
	var r *metric.Recorder
	r.Count(metric.TipsReceived, 1)
	r.Duration(metric.WebhookDuration, time.Second)
	if r.For("x") != nil || r.Function() != "" {
		t.Error("a nil recorder made a recorder")
	}
}
