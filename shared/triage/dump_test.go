package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tipline/shared/tip"
)

// TestDumpDecisions guards work on the engine's speed, which must change
// no decision. With TRIAGE_DECISIONS_OUT=FILE it writes every field of the
// decision over a wide set of texts (every labelled set, the fuzz seeds,
// every string of the package's tests, long conversations and repeated
// words, and variants of each: lower and upper case, without accents,
// with typos, two messages joined) as JSON lines; with
// TRIAGE_DECISIONS_BEFORE=FILE it compares them with a dump written before
// the change, source by source (a set and an id, or a hash of a test's
// string, and the variant), and fails on any decision that differs or any
// source of the earlier dump it no longer decides (new tests may add some).
//
//	TRIAGE_DECISIONS_OUT=/tmp/before.json go test ./shared/triage -run TestDumpDecisions
//	TRIAGE_DECISIONS_BEFORE=/tmp/before.json go test ./shared/triage -run TestDumpDecisions
func TestDumpDecisions(t *testing.T) {
	out, before := os.Getenv("TRIAGE_DECISIONS_OUT"), os.Getenv("TRIAGE_DECISIONS_BEFORE")
	if out == "" && before == "" {
		t.Skip("set TRIAGE_DECISIONS_OUT or TRIAGE_DECISIONS_BEFORE")
	}
	e := mustEngine(t)
	var buf bytes.Buffer
	got := map[string]string{} // by source: the line
	for _, in := range dumpInputs(t) {
		line, err := json.Marshal(dumpLine{in.src, in.text, e.Decide(in.text)})
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
		got[in.src] = string(line)
	}
	if out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if before != "" {
		compareDump(t, before, got)
	}
}

// dumpLine is one line of the dump.
type dumpLine struct {
	Src  string     `json:"src"`
	Text string     `json:"text"`
	D    tip.Triage `json:"d"`
}

// compareDump fails t for every line of the dump at path whose text is
// decided otherwise in got, or not at all.
func compareDump(t *testing.T, path string, got map[string]string) {
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad, n := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		var l dumpLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
		if g := got[l.Src]; g != line {
			if bad++; bad <= 5 {
				t.Errorf("decision changed:\ngot  %s\nwant %s", g, line)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d decisions changed", bad, n)
	}
	t.Logf("%d decisions compared, %d decided now", n, len(got))
}

type dumpInput struct{ src, text string }

// dumpInputs are the texts of TestDumpDecisions, in a fixed order.
func dumpInputs(t *testing.T) []dumpInput {
	var base []dumpInput
	sets, err := filepath.Glob("testdata/*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range sets {
		if strings.HasSuffix(path, "golden.jsonl") {
			continue
		}
		for _, l := range readLabelled(t, path) {
			base = append(base, dumpInput{path + ":" + l.ID, l.Text})
		}
	}
	labelled := len(base)
	for _, s := range testStrings(t) {
		h := fnv.New64a()
		h.Write([]byte(s))
		base = append(base, dumpInput{"test-string:" + strconv.FormatUint(h.Sum64(), 16), s})
	}
	all := append([]dumpInput(nil), base...)
	for i, in := range base {
		all = append(all,
			dumpInput{in.src + ":lower", strings.ToLower(in.text)},
			dumpInput{in.src + ":upper", strings.ToUpper(in.text)},
			dumpInput{in.src + ":plain", tip.StripAccents(in.text)},
			dumpInput{in.src + ":typos", typos(in.text, len(in.text))})
		if i < labelled {
			all = append(all, dumpInput{in.src + ":joined", in.text + "\n" + base[(i+1)%labelled].text})
		}
	}
	var long []byte
	for i := 0; len(long) < 64<<10; i++ {
		long = append(long, base[i%labelled].text...)
		long = append(long, '\n')
	}
	for _, kib := range []int{1, 4, 16, 64} {
		all = append(all, dumpInput{fmt.Sprintf("long:%dKiB", kib), string(long[:kib<<10])})
	}
	for _, w := range []string{"bar ", "ayuda ", "no ", "menor ", "niña de 14 años ", "a"} {
		all = append(all, dumpInput{"repeat:" + w, strings.Repeat(w, (16<<10)/len(w))})
	}
	return all
}

// typos misspells the text the way the tolerant matcher must forgive:
// in every other long word, two middle letters swapped, one dropped or
// one doubled, by turns.
func typos(text string, seed int) string {
	ws := strings.Fields(text)
	for i, w := range ws {
		if len(w) < 6 || (i+seed)%2 != 0 {
			continue
		}
		m := len(w) / 2
		switch (i + seed) % 3 {
		case 0:
			ws[i] = w[:m-1] + w[m:m+1] + w[m-1:m] + w[m+1:]
		case 1:
			ws[i] = w[:m] + w[m+1:]
		default:
			ws[i] = w[:m] + w[m:m+1] + w[m:]
		}
	}
	return strings.Join(ws, " ")
}

// testStrings are the string literals of the package's tests (their
// example messages) and the fuzz seed corpus in testdata/fuzz.
func testStrings(t *testing.T) []string {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= 2 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	fset := gotoken.NewFileSet()
	for _, f := range files {
		if f == "dump_test.go" {
			continue // its own strings would change with it
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					add(s)
				}
			}
			return true
		})
	}
	seeds, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, path := range seeds {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "string(") {
				if s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "string("), ")")); err == nil {
					add(s)
				}
			}
		}
		f.Close()
	}
	return out
}
