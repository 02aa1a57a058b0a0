package table

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tipline/shared/metric"
)

type alarmProps struct {
	AlarmName          any
	Namespace          string
	MetricName         string
	TreatMissingData   string
	Threshold          *float64
	ComparisonOperator string
	EvaluationPeriods  any
	AlarmActions       []any
	Metrics            []struct {
		Id         string
		Expression string
		MetricStat *struct {
			Metric struct {
				Namespace  string
				MetricName string
				Dimensions []struct {
					Name  string
					Value any
				}
			}
		}
	}
}

func (tpl samTemplate) alarms(t *testing.T) map[string]alarmProps {
	t.Helper()
	out := map[string]alarmProps{}
	for _, id := range tpl.resourcesOfType("AWS::CloudWatch::Alarm") {
		var p alarmProps
		if err := json.Unmarshal(tpl.Resources[id].Properties, &p); err != nil {
			t.Fatalf("decode %s: %v", id, err)
		}
		out[id] = p
	}
	return out
}

// tiplineMetrics are the metric names shared/metric writes.
var tiplineMetrics = []string{metric.TipsReceived, metric.FollowUps, metric.WebhookDuration, metric.WebhookRefused,
	metric.StoreRetries, metric.TriageDecisionTime, metric.AlertsSent, metric.AlertsDelivered, metric.AlertsFailed,
	metric.AlertsAcknowledged, metric.TipToFirstAlert, metric.TipToAcknowledgement, metric.Escalations,
	metric.UnacknowledgedAtLast, metric.ReconcilerRecovered, metric.StreamRecordsFailed, metric.FloodHeld}

func TestTemplateAlarmsGoToTheTopicAndTreatMissingDataDeliberately(t *testing.T) {
	tpl := loadTemplate(t)
	alarms := tpl.alarms(t)
	want := []string{"DeadLetterQueueAlarm", "FunctionErrorsAlarm", "TwilioWebhook5xxAlarm", "LambdaThrottlesAlarm",
		"DynamoDbThrottlesAlarm", "DynamoDbSystemErrorsAlarm", "ReconcilerRecoveredAlarm", "CriticalUnacknowledgedAlarm",
		"AlertFailureRateAlarm", "QuietLineAlarm"}
	for _, id := range want {
		if _, ok := alarms[id]; !ok {
			t.Errorf("no alarm %s in template.yaml", id)
		}
	}
	for id, a := range alarms {
		t.Run(id+" is sent to the alarm topic with a threshold and a missing-data choice", func(t *testing.T) {
			if !slices.ContainsFunc(a.AlarmActions, func(v any) bool { return fmt.Sprint(v) == "map[Ref:AlarmTopic]" }) {
				t.Errorf("got alarm actions %v, want Ref AlarmTopic", a.AlarmActions)
			}
			if !slices.Contains([]string{"breaching", "notBreaching", "ignore", "missing"}, a.TreatMissingData) {
				t.Errorf("got TreatMissingData %q, want it set", a.TreatMissingData)
			}
			if a.Threshold == nil || a.ComparisonOperator == "" {
				t.Error("no threshold or comparison")
			}
			names := []string{a.MetricName}
			for _, m := range a.Metrics {
				if m.MetricStat != nil && m.MetricStat.Metric.Namespace == metric.Namespace {
					names = append(names, m.MetricStat.Metric.MetricName)
				}
			}
			if a.Namespace != metric.Namespace && len(names) == 1 {
				return
			}
			for _, n := range names[1:] {
				if !slices.Contains(tiplineMetrics, n) {
					t.Errorf("alarm reads Tipline/%s, which no code writes", n)
				}
			}
			if a.Namespace == metric.Namespace && !slices.Contains(tiplineMetrics, a.MetricName) {
				t.Errorf("alarm reads Tipline/%s, which no code writes", a.MetricName)
			}
		})
	}
	var sub struct {
		Properties struct{ Protocol, TopicArn, Endpoint any }
	}
	raw, _ := json.Marshal(tpl.Resources["AlarmEmailSubscription"])
	_ = json.Unmarshal(raw, &sub)
	if fmt.Sprint(sub.Properties.Endpoint) != "map[Ref:AlarmEmail]" || sub.Properties.Protocol != "email" {
		t.Errorf("got alarm subscription %+v, want e-mail to the AlarmEmail parameter", sub.Properties)
	}
}

// functionsWatched returns the functions an alarm's metric math reads a
// Lambda metric of.
func functionsWatched(a alarmProps, metricName string) []string {
	var out []string
	for _, m := range a.Metrics {
		if m.MetricStat == nil || m.MetricStat.Metric.Namespace != "AWS/Lambda" || m.MetricStat.Metric.MetricName != metricName {
			continue
		}
		for _, d := range m.MetricStat.Metric.Dimensions {
			if v, ok := d.Value.(map[string]any); ok && d.Name == "FunctionName" {
				out = append(out, fmt.Sprint(v["Ref"]))
			}
		}
	}
	return out
}

func TestTemplateWatchesEveryFunction(t *testing.T) {
	tpl := loadTemplate(t)
	alarms := tpl.alarms(t)
	for _, c := range []struct{ alarm, metric string }{{"FunctionErrorsAlarm", "Errors"}, {"LambdaThrottlesAlarm", "Throttles"}} {
		watched := functionsWatched(alarms[c.alarm], c.metric)
		for id := range tpl.functions(t) {
			if !slices.Contains(watched, id) {
				t.Errorf("%s does not read the %s of %s: add it to its metrics (at most 10 in all)", c.alarm, c.metric, id)
			}
		}
	}
}

func TestTemplateThrottlesEveryRoute(t *testing.T) {
	tpl := loadTemplate(t)
	for id, p := range tpl.functions(t) {
		for name, e := range p.Events {
			if e.Type != "HttpApi" {
				continue
			}
			t.Run(fmt.Sprintf("%s %s %s is throttled", id, e.Properties["Method"], e.Properties["Path"]), func(t *testing.T) {
				rs, _ := e.Properties["RouteSettings"].(map[string]any)
				burst, _ := rs["ThrottlingBurstLimit"].(float64)
				rate, _ := rs["ThrottlingRateLimit"].(float64)
				if burst <= 0 || rate <= 0 {
					t.Errorf("event %s has RouteSettings %v, want ThrottlingBurstLimit and ThrottlingRateLimit", name, rs)
				}
			})
		}
	}
}

// The dashboard is a JSON string in the template: it must parse once the
// ${...} substitutions are made, and name only metrics the code writes.
func TestTemplateDashboardShowsTheMetrics(t *testing.T) {
	src, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	var dash struct {
		Properties struct {
			DashboardBody map[string]string `json:"DashboardBody"`
		}
	}
	raw, _ := json.Marshal(tpl.Resources["OperationsDashboard"])
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("decode dashboard: %v", err)
	}
	body := dash.Properties.DashboardBody["Fn::Sub"]
	if body == "" {
		t.Fatalf("no OperationsDashboard with a !Sub DashboardBody in %s (%d bytes)", templatePath, len(src))
	}
	filled := regexp.MustCompile(`\$\{[^}]+\}`).ReplaceAllString(body, "x")
	var parsed struct{ Widgets []map[string]any }
	if err := json.Unmarshal([]byte(filled), &parsed); err != nil {
		t.Fatalf("the dashboard body is not JSON: %v", err)
	}
	shown := map[string]bool{}
	for _, m := range regexp.MustCompile(`\["Tipline", "([A-Za-z]+)"`).FindAllStringSubmatch(body, -1) {
		shown[m[1]] = true
		if !slices.Contains(tiplineMetrics, m[1]) {
			t.Errorf("the dashboard shows Tipline/%s, which no code writes", m[1])
		}
	}
	for _, n := range tiplineMetrics {
		if !shown[n] {
			t.Errorf("the dashboard does not show Tipline/%s", n)
		}
	}
	if !strings.Contains(body, "AWS/Lambda") || !strings.Contains(body, "AWS/DynamoDB") {
		t.Error("the dashboard lacks the AWS side (Lambda, DynamoDB)")
	}
}
