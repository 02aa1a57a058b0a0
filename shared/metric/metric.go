// Package metric writes the tip line's metrics as CloudWatch Embedded Metric
// Format (EMF): one JSON line per event on the function's standard output,
// which CloudWatch Logs turns into metrics in the Tipline namespace, with
// no API call and no latency added to a webhook. serve writes the same
// lines to its own output.
//
// Specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
//
// AWS publishes EMF libraries for Node, Python, Java and .NET, none for Go,
// so this package is the small encoder the format needs; its test checks the
// lines against the specification's rules.
//
// Dimensions are few and closed: every metric is published without
// dimensions (the totals alarms watch), by Function, and by each of
// Channel, Urgency, Region or Reason its event names. Their values come from
// closed sets (a value outside them is published as "other"), so a message
// body, a phone number or a reference code can never become a dimension.
package metric

import (
	"encoding/json"
	"io"
	"regexp"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "Tipline"

// Metric names. The template's alarms and dashboard name the same.
const (
	TipsReceived         = "TipsReceived"         // a first message opened a tip (Channel, Urgency, Region)
	FollowUps            = "FollowUps"            // a message joined an open tip (Channel)
	WebhookDuration      = "WebhookDuration"      // milliseconds from request to answer, per webhook
	WebhookRefused       = "WebhookRefused"       // webhook requests refused (Reason)
	StoreRetries         = "StoreRetries"         // a write raced and was tried again
	TriageDecisionTime   = "TriageDecisionTime"   // milliseconds the triage engine took
	AlertsSent           = "AlertsSent"           // Twilio accepted an alert (Channel)
	AlertsDelivered      = "AlertsDelivered"      // Twilio reported an alert delivered or read (Channel)
	AlertsFailed         = "AlertsFailed"         // an alert failed for good: refused or undelivered (Channel)
	AlertsAcknowledged   = "AlertsAcknowledged"   // an authority acknowledged a tip (Urgency)
	TipToFirstAlert      = "TipToFirstAlert"      // milliseconds from the tip to its first alert sent (Urgency)
	TipToAcknowledgement = "TipToAcknowledgement" // milliseconds from the tip to its acknowledgement (Urgency)
	Escalations          = "Escalations"          // a tip moved to its next tier (Urgency)
	UnacknowledgedAtLast = "UnacknowledgedAtLastTier"
	ReconcilerRecovered  = "ReconcilerRecovered" // messages the reconciler found in Twilio's log and stored
	StreamRecordsFailed  = "StreamRecordsFailed" // stream records a consumer reported failed
	FloodHeld            = "FloodHeld"           // messages past the flood guard: stored, not triaged or answered (Channel)
)

// Dimension keys.
const (
	KeyFunction = "Function"
	KeyChannel  = "Channel"
	KeyUrgency  = "Urgency"
	KeyRegion   = "Region"
	KeyReason   = "Reason"
)

// Other is the value of a dimension whose value is outside its closed set.
const Other = "other"

// Dim is one dimension of an event. Make them with Channel, Urgency, Region
// and Reason, which keep values to their closed sets.
type Dim struct{ key, value string }

// Channel is the channel dimension: sms or whatsapp.
func Channel(c string) Dim { return Dim{KeyChannel, oneOf(c, "sms", "whatsapp")} }

// Urgency is the urgency dimension: critical, high, medium or low.
func Urgency(u string) Dim { return Dim{KeyUrgency, oneOf(u, "critical", "high", "medium", "low")} }

var regionCode = regexp.MustCompile(`^PE-[A-Z]{3}$`)

// Region is the region dimension: an ISO 3166-2:PE code, or "none".
func Region(r string) Dim {
	switch {
	case r == "":
		return Dim{KeyRegion, "none"}
	case regionCode.MatchString(r):
		return Dim{KeyRegion, r}
	}
	return Dim{KeyRegion, Other}
}

// Reasons a webhook is refused (the Refusal reasons of shared/twilio, with
// underscores) or why a message was held back.
var reasons = []string{"method_not_allowed", "unsupported_content_type", "body_too_large", "body_unreadable",
	"malformed_form", "bad_signature", "other_account", "bad_message", "flood"}

// Reason is the reason dimension: one of the known refusal reasons (spaces
// become underscores), or "other".
func Reason(r string) Dim {
	b := []byte(r)
	for i, c := range b {
		if c == ' ' {
			b[i] = '_'
		}
	}
	return Dim{KeyReason, oneOf(string(b), reasons...)}
}

func oneOf(v string, set ...string) string {
	for _, s := range set {
		if v == s {
			return v
		}
	}
	return Other
}

// Units of the specification used here.
const (
	unitCount        = "Count"
	unitMilliseconds = "Milliseconds"
)

// Recorder writes metric events of one function. A nil *Recorder records
// nothing, so code that takes an optional recorder calls it unguarded. It
// is safe for concurrent use: each event is one Write of one line.
type Recorder struct {
	w        io.Writer
	function string
	now      func() time.Time
	mu       *sync.Mutex // shared by the recorders of one output
}

// New returns a recorder that writes to w the events of function (the
// function's folder name, e.g. receive-message). now nil means time.Now.
func New(w io.Writer, function string, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{w: w, function: function, now: now, mu: &sync.Mutex{}}
}

// Function is the function the recorder writes for ("" for nil).
func (r *Recorder) Function() string {
	if r == nil {
		return ""
	}
	return r.function
}

// For returns a recorder of the same output for another function (serve
// runs them all in one process).
func (r *Recorder) For(function string) *Recorder {
	if r == nil {
		return nil
	}
	return &Recorder{w: r.w, function: function, now: r.now, mu: r.mu}
}

// Count records n occurrences of name.
func (r *Recorder) Count(name string, n int, dims ...Dim) {
	r.write(name, unitCount, float64(n), dims)
}

// Duration records a time in milliseconds.
func (r *Recorder) Duration(name string, d time.Duration, dims ...Dim) {
	r.write(name, unitMilliseconds, float64(d.Microseconds())/1000, dims)
}

// Recovered records n messages the reconciler found missing and stored
// (ReconcilerRecovered): the reconcile-messages function calls it once a run.
func (r *Recorder) Recovered(n int) { r.Count(ReconcilerRecovered, n) }

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

func (r *Recorder) write(name, unit string, v float64, dims []Dim) {
	if r == nil || r.w == nil {
		return
	}
	sets := [][]string{{}, {KeyFunction}}
	doc := map[string]any{KeyFunction: r.function, name: v}
	for _, d := range dims {
		if d.key == "" {
			continue
		}
		if _, dup := doc[d.key]; dup {
			continue
		}
		doc[d.key] = d.value
		sets = append(sets, []string{d.key})
	}
	doc["_aws"] = metadata{
		Timestamp: r.now().UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: sets,
			Metrics: []metricDef{{Name: name, Unit: unit}}}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return // only numbers and strings: cannot fail
	}
	line = append(line, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(line)
}
