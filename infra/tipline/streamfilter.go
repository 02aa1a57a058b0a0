package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"
)

// streamFilter is one function's FilterCriteria: Lambda hands it a stream
// record only when one of the patterns matches the record's JSON, as
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
// describes. The local poller applies the template's own filters, so it
// delivers what Lambda would.
type streamFilter struct {
	patterns []map[string]any
	// retries is the event's MaximumRetryAttempts: how many more times
	// Lambda delivers a record the function reported failed before its
	// on-failure destination gets it.
	retries int
}

// streamFilters reads the FilterCriteria of every function's DynamoDB event
// in a SAM template, by function logical id. A function with a DynamoDB
// event but no filter gets a filter that passes everything.
func streamFilters(template []byte) (map[string]streamFilter, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("template: empty")
	}
	out := map[string]streamFilter{}
	resources := child(doc.Content[0], "Resources")
	for id, res := range pairs(resources) {
		for name, ev := range pairs(child(child(res, "Properties"), "Events")) {
			if scalar(child(ev, "Type")) != "DynamoDB" {
				continue
			}
			f := out[id]
			if r := scalar(child(child(ev, "Properties"), "MaximumRetryAttempts")); r != "" {
				n, err := strconv.Atoi(r)
				if err != nil || n < 0 || n > 10000 {
					return nil, fmt.Errorf("template: %s event %s: MaximumRetryAttempts %q: want 0 to 10000", id, name, r)
				}
				f.retries = n
			}
			filters := child(child(child(ev, "Properties"), "FilterCriteria"), "Filters")
			if filters != nil {
				for _, item := range filters.Content {
					var p map[string]any
					if err := json.Unmarshal([]byte(scalar(child(item, "Pattern"))), &p); err != nil {
						return nil, fmt.Errorf("template: %s event %s: filter pattern: %w", id, name, err)
					}
					if err := checkPattern(p); err != nil {
						return nil, fmt.Errorf("template: %s event %s: filter pattern: %w", id, name, err)
					}
					f.patterns = append(f.patterns, p)
				}
			}
			out[id] = f
		}
	}
	return out, nil
}

// child is the value of key in a YAML mapping node (nil when absent).
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// pairs iterates over a YAML mapping node's keys and values.
func pairs(n *yaml.Node) func(yield func(string, *yaml.Node) bool) {
	return func(yield func(string, *yaml.Node) bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// checkPattern refuses what match does not implement, so that a filter the
// template gains later fails serve at start instead of passing records
// Lambda would drop. Leaves are arrays of exact values or of
// {"exists": bool} / {"prefix": string}.
func checkPattern(p map[string]any) error {
	for k, v := range p {
		switch v := v.(type) {
		case map[string]any:
			if err := checkPattern(v); err != nil {
				return fmt.Errorf("%s.%w", k, err)
			}
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					if len(m) != 1 {
						return fmt.Errorf("%s: unsupported rule %v", k, m)
					}
					if _, ok := m["exists"].(bool); ok {
						continue
					}
					if _, ok := m["prefix"].(string); ok {
						continue
					}
					return fmt.Errorf("%s: unsupported rule %v", k, m)
				}
			}
		default:
			return fmt.Errorf("%s: a pattern's leaves are arrays, got %v", k, v)
		}
	}
	return nil
}

// Match reports whether Lambda would deliver rec under this filter.
func (f streamFilter) Match(rec events.DynamoDBEventRecord) bool {
	if len(f.patterns) == 0 {
		return true
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return false
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return false
	}
	for _, p := range f.patterns {
		if match(p, doc) {
			return true
		}
	}
	return false
}

// Apply keeps the records of ev the filter passes.
func (f streamFilter) Apply(ev events.DynamoDBEvent) events.DynamoDBEvent {
	out := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(ev.Records))}
	for _, r := range ev.Records {
		if f.Match(r) {
			out.Records = append(out.Records, r)
		}
	}
	return out
}

// match: every key of the pattern matches the document's field.
func match(p map[string]any, doc map[string]any) bool {
	for k, want := range p {
		got, present := doc[k]
		switch want := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !match(want, sub) {
				return false
			}
		case []any:
			if !matchLeaf(want, got, present) {
				return false
			}
		}
	}
	return true
}

// matchLeaf: one of the rules matches the value (any element of an array value).
func matchLeaf(rules []any, got any, present bool) bool {
	values := []any{got}
	if l, ok := got.([]any); ok {
		values = l
	}
	for _, r := range rules {
		if m, ok := r.(map[string]any); ok {
			if e, ok := m["exists"].(bool); ok {
				if e == present {
					return true
				}
				continue
			}
			prefix := m["prefix"].(string)
			for _, v := range values {
				if s, ok := v.(string); ok && present && strings.HasPrefix(s, prefix) {
					return true
				}
			}
			continue
		}
		if !present {
			continue
		}
		for _, v := range values {
			if v == r {
				return true
			}
		}
	}
	return false
}
