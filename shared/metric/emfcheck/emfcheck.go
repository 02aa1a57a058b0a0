// Package emfcheck reads CloudWatch Embedded Metric Format lines back and
// checks them against the specification; only tests import it.
package emfcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Point is one metric value read back from an EMF line.
type Point struct {
	Namespace string
	Name      string
	Unit      string
	Value     float64
	// Dimensions is every dimension set of the metric, each with its values.
	Dimensions []map[string]string
	Timestamp  int64
}

// units is the specification's list of units.
var units = map[string]bool{}

func init() {
	for _, u := range strings.Fields(`Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes
		Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second
		Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second
		Gigabits/Second Terabits/Second Count/Second None`) {
		units[u] = true
	}
}

// IsEMF tells whether a log line carries the EMF metadata member.
func IsEMF(line []byte) bool { return bytes.Contains(line, []byte(`"_aws"`)) }

// Parse checks one log line against the Embedded Metric Format
// specification and returns its metric values. It checks what CloudWatch
// Logs requires to extract metrics: a JSON object with an _aws object
// holding a millisecond Timestamp and a CloudWatchMetrics array of
// directives; each directive's Namespace (1 to 255 characters), Dimensions
// (dimension sets of at most 30 keys, each naming a string member of the
// root) and Metrics (1 to 100 definitions, each Name naming a number or an
// array of at most 100 numbers in the root, Unit from the specification's
// list, StorageResolution 1 or 60).
func Parse(line []byte) ([]Point, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	raw, ok := root["_aws"]
	if !ok {
		return nil, fmt.Errorf("no _aws member")
	}
	var meta struct {
		Timestamp         *json.Number      `json:"Timestamp"`
		CloudWatchMetrics []json.RawMessage `json:"CloudWatchMetrics"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil {
		return nil, fmt.Errorf("_aws.Timestamp missing")
	}
	ts, err := meta.Timestamp.Int64()
	if err != nil || ts < 1e12 {
		return nil, fmt.Errorf("_aws.Timestamp %s is not milliseconds since the epoch", meta.Timestamp)
	}
	if meta.CloudWatchMetrics == nil {
		return nil, fmt.Errorf("_aws.CloudWatchMetrics missing")
	}
	var out []Point
	for i, rd := range meta.CloudWatchMetrics {
		pts, err := parseDirective(rd, root, ts)
		if err != nil {
			return nil, fmt.Errorf("_aws.CloudWatchMetrics[%d]: %w", i, err)
		}
		out = append(out, pts...)
	}
	return out, nil
}

func parseDirective(rd json.RawMessage, root map[string]json.RawMessage, ts int64) ([]Point, error) {
	var d struct {
		Namespace  *string    `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []struct {
			Name              *string `json:"Name"`
			Unit              *string `json:"Unit"`
			StorageResolution *int    `json:"StorageResolution"`
		} `json:"Metrics"`
	}
	if err := json.Unmarshal(rd, &d); err != nil {
		return nil, err
	}
	if d.Namespace == nil || len(*d.Namespace) < 1 || len(*d.Namespace) > 255 {
		return nil, errors.New("the Namespace is missing or not 1 to 255 characters")
	}
	if d.Dimensions == nil {
		return nil, errors.New("the Dimensions are missing")
	}
	var sets []map[string]string
	for _, set := range d.Dimensions {
		if len(set) > 30 {
			return nil, fmt.Errorf("a dimension set of %d keys (at most 30)", len(set))
		}
		values := map[string]string{}
		for _, k := range set {
			var v string
			if err := json.Unmarshal(root[k], &v); err != nil {
				return nil, fmt.Errorf("dimension %q is not a string member of the root", k)
			}
			if len(v) == 0 || len(v) > 1024 {
				return nil, fmt.Errorf("dimension %q value is not 1 to 1024 characters", k)
			}
			values[k] = v
		}
		sets = append(sets, values)
	}
	if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
		return nil, fmt.Errorf("%d metric definitions (1 to 100)", len(d.Metrics))
	}
	var out []Point
	for _, m := range d.Metrics {
		if m.Name == nil || len(*m.Name) < 1 || len(*m.Name) > 1024 {
			return nil, fmt.Errorf("metric Name missing or not 1 to 1024 characters")
		}
		unit := "None"
		if m.Unit != nil {
			if !units[*m.Unit] {
				return nil, fmt.Errorf("metric %s: unit %q is not one of the specification's", *m.Name, *m.Unit)
			}
			unit = *m.Unit
		}
		if r := m.StorageResolution; r != nil && *r != 1 && *r != 60 {
			return nil, fmt.Errorf("metric %s: StorageResolution %d (1 or 60)", *m.Name, *r)
		}
		values, err := numbers(root[*m.Name])
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", *m.Name, err)
		}
		for _, v := range values {
			out = append(out, Point{Namespace: *d.Namespace, Name: *m.Name, Unit: unit, Value: v, Dimensions: sets, Timestamp: ts})
		}
	}
	return out, nil
}

// numbers reads a metric's member: a number, or an array of at most 100.
func numbers(raw json.RawMessage) ([]float64, error) {
	if raw == nil {
		return nil, fmt.Errorf("no member of the root holds its value")
	}
	var one float64
	if err := json.Unmarshal(raw, &one); err == nil {
		return []float64{one}, nil
	}
	var many []float64
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("value is neither a number nor an array of numbers")
	}
	if len(many) > 100 {
		return nil, fmt.Errorf("%d values (at most 100)", len(many))
	}
	return many, nil
}
