package table

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// templatePath is the SAM template at the repository root.
const templatePath = "../../template.yaml"

type keyElem = struct{ AttributeName, KeyType string }
type attrDef = struct{ AttributeName, AttributeType string }

// resource is one entry of the template's Resources.
type resource struct {
	Type       string
	Metadata   map[string]any
	Properties json.RawMessage
}

type samTemplate struct {
	Globals struct {
		Function functionProps
	}
	Resources map[string]resource
}

// tableProps is the part of AWS::DynamoDB::Table that table.json also describes.
type tableProps struct {
	TableName              any
	BillingMode            string
	AttributeDefinitions   []attrDef
	KeySchema              []keyElem
	GlobalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []keyElem
		Projection struct {
			ProjectionType   string
			NonKeyAttributes []string
		}
	}
	StreamSpecification     *struct{ StreamViewType string }
	TimeToLiveSpecification *struct {
		AttributeName string
		Enabled       bool
	}
	PointInTimeRecoverySpecification *struct{ PointInTimeRecoveryEnabled bool }
	SSESpecification                 *struct{ SSEEnabled bool }
}

type functionProps struct {
	CodeUri       any
	Runtime       string
	Architectures []string
	Handler       string
	Environment   struct{ Variables map[string]any }
	Policies      any
	Events        map[string]struct {
		Type       string
		Properties map[string]any
	}
}

// loadTemplate parses template.yaml. CloudFormation short tags (!Ref, !GetAtt,
// !Sub, ...) are turned into their long JSON form ({"Ref": ...},
// {"Fn::GetAtt": [...]}), so the rest of the test reads plain values.
func loadTemplate(t *testing.T) samTemplate {
	t.Helper()
	src, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatalf("read template: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatalf("parse %s: %v", templatePath, err)
	}
	v, err := plain(&doc)
	if err != nil {
		t.Fatalf("parse %s: %v", templatePath, err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode template: %v", err)
	}
	var tpl samTemplate
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("decode template: %v", err)
	}
	return tpl
}

// plain converts a YAML node into maps, slices and scalars, rewriting
// CloudFormation's short-form intrinsic functions into their long form.
func plain(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return plain(n.Alias)
	}
	if fn, ok := intrinsic(n.Tag); ok {
		inner := *n
		inner.Tag = ""
		if n.Kind == yaml.ScalarNode {
			inner.Tag = "!!str"
		}
		v, err := plain(&inner)
		if err != nil {
			return nil, err
		}
		// !GetAtt Res.Attr is the short form of Fn::GetAtt: [Res, Attr].
		if s, ok := v.(string); ok && fn == "Fn::GetAtt" {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
		return map[string]any{fn: v}, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return plain(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := plain(n.Content[i])
			if err != nil {
				return nil, err
			}
			v, err := plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := plain(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

// intrinsic maps a CloudFormation short tag to its long-form key.
func intrinsic(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return "", false
	}
	name := tag[1:]
	switch name {
	case "Ref", "Condition":
		return name, true
	default:
		return "Fn::" + name, true
	}
}

// resourcesOfType returns the logical ids of the resources of type typ, sorted.
func (tpl samTemplate) resourcesOfType(typ string) []string {
	var ids []string
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func TestTemplateTableMatchesDefinition(t *testing.T) {
	def, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	ids := tpl.resourcesOfType("AWS::DynamoDB::Table")
	if !slices.Equal(ids, []string{"TiplineTable"}) {
		t.Fatalf("template tables = %v, want exactly [TiplineTable]", ids)
	}
	var got tableProps
	if err := json.Unmarshal(tpl.Resources["TiplineTable"].Properties, &got); err != nil {
		t.Fatalf("decode TiplineTable properties: %v", err)
	}

	t.Run("the billing mode matches table.json", func(t *testing.T) {
		if got.BillingMode != def.BillingMode {
			t.Errorf("BillingMode = %q, want %q", got.BillingMode, def.BillingMode)
		}
	})
	t.Run("the key schema matches table.json", func(t *testing.T) {
		if !reflect.DeepEqual(got.KeySchema, def.KeySchema) {
			t.Errorf("KeySchema = %v, want %v", got.KeySchema, def.KeySchema)
		}
	})
	t.Run("the attribute definitions match table.json", func(t *testing.T) {
		g, w := sortedAttrs(got.AttributeDefinitions), sortedAttrs(def.AttributeDefinitions)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("AttributeDefinitions = %v, want %v", g, w)
		}
	})
	t.Run("the global secondary indexes match table.json", func(t *testing.T) {
		type index struct {
			Keys       []keyElem
			Projection string
			NonKey     []string
		}
		gotIdx := map[string]index{}
		for _, g := range got.GlobalSecondaryIndexes {
			gotIdx[g.IndexName] = index{g.KeySchema, g.Projection.ProjectionType, g.Projection.NonKeyAttributes}
		}
		wantIdx := map[string]index{}
		for _, g := range def.GlobalSecondaryIndexes {
			wantIdx[g.IndexName] = index{g.KeySchema, g.Projection.ProjectionType, nil}
		}
		if !reflect.DeepEqual(gotIdx, wantIdx) {
			t.Errorf("GlobalSecondaryIndexes = %+v, want %+v", gotIdx, wantIdx)
		}
	})
	t.Run("the stream view type matches table.json", func(t *testing.T) {
		switch {
		case !def.StreamSpecification.StreamEnabled && got.StreamSpecification != nil:
			t.Errorf("StreamSpecification = %+v, want none (table.json has no stream)", *got.StreamSpecification)
		case def.StreamSpecification.StreamEnabled && got.StreamSpecification == nil:
			t.Errorf("StreamSpecification missing, want view type %q", def.StreamSpecification.StreamViewType)
		case def.StreamSpecification.StreamEnabled && got.StreamSpecification.StreamViewType != def.StreamSpecification.StreamViewType:
			t.Errorf("StreamViewType = %q, want %q", got.StreamSpecification.StreamViewType, def.StreamSpecification.StreamViewType)
		}
	})
	t.Run("the TTL attribute matches table.json and is enabled", func(t *testing.T) {
		ttl := got.TimeToLiveSpecification
		if ttl == nil {
			t.Fatalf("TimeToLiveSpecification missing, want attribute %q", def.TimeToLiveAttribute)
		}
		if ttl.AttributeName != def.TimeToLiveAttribute || !ttl.Enabled {
			t.Errorf("TimeToLiveSpecification = %+v, want attribute %q enabled", *ttl, def.TimeToLiveAttribute)
		}
	})
	t.Run("point-in-time recovery is on", func(t *testing.T) {
		if p := got.PointInTimeRecoverySpecification; p == nil || !p.PointInTimeRecoveryEnabled {
			t.Errorf("PointInTimeRecoverySpecification = %+v, want enabled", p)
		}
	})
	t.Run("server-side encryption is on", func(t *testing.T) {
		if s := got.SSESpecification; s == nil || !s.SSEEnabled {
			t.Errorf("SSESpecification = %+v, want SSEEnabled", s)
		}
	})
	t.Run("the table name is left to CloudFormation so stacks can coexist", func(t *testing.T) {
		if got.TableName != nil {
			t.Errorf("TableName = %v, want none", got.TableName)
		}
	})
}

func sortedAttrs(in []attrDef) []attrDef {
	out := slices.Clone(in)
	sort.Slice(out, func(i, j int) bool { return out[i].AttributeName < out[j].AttributeName })
	return out
}

// functions returns every AWS::Serverless::Function of the template with its properties.
func (tpl samTemplate) functions(t *testing.T) map[string]functionProps {
	t.Helper()
	fns := map[string]functionProps{}
	for _, id := range tpl.resourcesOfType("AWS::Serverless::Function") {
		var p functionProps
		if err := json.Unmarshal(tpl.Resources[id].Properties, &p); err != nil {
			t.Fatalf("decode %s properties: %v", id, err)
		}
		fns[id] = p
	}
	return fns
}

func codeURI(p functionProps) string {
	s, ok := p.CodeUri.(string)
	if !ok {
		return ""
	}
	return path.Clean(s)
}

func TestTemplateHasAFunctionPerFolder(t *testing.T) {
	tpl := loadTemplate(t)
	fns := tpl.functions(t)
	byURI := map[string]string{}
	for id, p := range fns {
		byURI[codeURI(p)] = id
	}

	dirs, err := filepath.Glob("../../functions/*")
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		uri := "functions/" + filepath.Base(d)
		folders[uri] = true
		t.Run(uri+" has a function resource", func(t *testing.T) {
			if _, ok := byURI[uri]; !ok {
				t.Errorf("no AWS::Serverless::Function with CodeUri %s/ in template.yaml", uri)
			}
		})
	}
	if len(folders) == 0 {
		t.Fatal("found no functions/*/ folders")
	}

	for id, p := range fns {
		t.Run(id+" is built from a functions folder as a Go bootstrap on arm64", func(t *testing.T) {
			if uri := codeURI(p); !folders[uri] {
				t.Errorf("CodeUri = %v, want an existing functions/<name>/ folder", p.CodeUri)
			}
			if got := tpl.Resources[id].Metadata["BuildMethod"]; got != "go1.x" {
				t.Errorf("Metadata.BuildMethod = %v, want go1.x", got)
			}
			g := tpl.Globals.Function
			if got := first(p.Runtime, g.Runtime); got != "provided.al2023" {
				t.Errorf("Runtime = %q, want provided.al2023", got)
			}
			if got := first(p.Handler, g.Handler); got != "bootstrap" {
				t.Errorf("Handler = %q, want bootstrap", got)
			}
			arch := p.Architectures
			if arch == nil {
				arch = g.Architectures
			}
			if !slices.Equal(arch, []string{"arm64"}) {
				t.Errorf("Architectures = %v, want [arm64]", arch)
			}
		})
	}
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// secretName matches environment variables that carry secrets.
var secretName = regexp.MustCompile(`SECRET|TOKEN|PASSWORD|(^|_)KEY($|_)`)

// TestTemplateKeepsSecretsOutOfConfiguration holds every function to read
// its secrets at start from Secrets Manager: no variable carries a secret
// (not even a dynamic reference, which CloudFormation resolves into the
// function's configuration in plain text), SECRET_ID names the secret, and
// a function with SECRET_ID may read that secret and no other.
func TestTemplateKeepsSecretsOutOfConfiguration(t *testing.T) {
	tpl := loadTemplate(t)
	for id, p := range tpl.functions(t) {
		vars := map[string]any{}
		for k, v := range tpl.Globals.Function.Environment.Variables {
			vars[k] = v
		}
		for k, v := range p.Environment.Variables {
			vars[k] = v
		}
		for name, v := range vars {
			if !secretName.MatchString(name) || name == "SECRET_ID" {
				continue
			}
			t.Run(id+" carries no secret in "+name, func(t *testing.T) {
				t.Errorf("%s = %v: secrets come from SECRET_ID at start, not from the configuration", name, v)
			})
		}
		id, p := id, p
		if _, ok := vars["SECRET_ID"]; ok {
			t.Run(id+" may read the secret named by SECRET_ID", func(t *testing.T) {
				raw, _ := json.Marshal(p.Policies)
				if !strings.Contains(string(raw), "AWSSecretsManagerGetSecretValuePolicy") || !strings.Contains(string(raw), "secret:${SecretName}-*") {
					t.Errorf("policies %s do not allow reading the SecretName secret", raw)
				}
			})
		}
	}
}

func TestTemplatePoliciesAreLeastPrivilege(t *testing.T) {
	tpl := loadTemplate(t)
	for id, p := range tpl.functions(t) {
		t.Run(id+" grants no wildcard, Scan or table-management action", func(t *testing.T) {
			raw, err := json.Marshal(p.Policies)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			collectActions(p.Policies, &actions)
			for _, a := range actions {
				if strings.Contains(a, "*") || a == "dynamodb:Scan" ||
					strings.HasSuffix(a, "Table") || strings.HasPrefix(a, "dynamodb:Delete") && a != "dynamodb:DeleteItem" {
					t.Errorf("action %q in %s", a, raw)
				}
			}
		})
	}
}

// collectActions gathers every IAM action named in a Policies value.
func collectActions(v any, out *[]string) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectActions(e, out)
		}
	case map[string]any:
		for k, e := range x {
			if k == "Action" {
				switch a := e.(type) {
				case string:
					*out = append(*out, a)
				case []any:
					for _, s := range a {
						*out = append(*out, fmt.Sprint(s))
					}
				}
				continue
			}
			collectActions(e, out)
		}
	}
}

func TestTemplateReceivesTwilioMessages(t *testing.T) {
	tpl := loadTemplate(t)
	p, ok := tpl.functions(t)["ReceiveMessageFunction"]
	if !ok {
		t.Fatal("no ReceiveMessageFunction in template.yaml")
	}
	var routes []string
	for _, e := range p.Events {
		if e.Type == "HttpApi" {
			routes = append(routes, fmt.Sprint(e.Properties["Method"], " ", e.Properties["Path"]))
		}
	}
	if !slices.Contains(routes, "POST /twilio/messages") {
		t.Errorf("ReceiveMessageFunction HTTP API routes = %v, want POST /twilio/messages", routes)
	}
}
