package triage

import (
	"os"
	"testing"
)

// BenchmarkDecide measures decisions per second over the development set
// (../shared/triage/dev.jsonl beside the checkout) when it is there, and
// over the regression corpus otherwise.
//
//	go test ./shared/triage -run '^$' -bench Decide
func BenchmarkDecide(b *testing.B) {
	path := "../../../shared/triage/dev.jsonl"
	if _, err := os.Stat(path); err != nil {
		path = "testdata/corpus.jsonl"
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ls, err := ReadLabelled(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	e := mustEngine(b)
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		e.Decide(ls[i%len(ls)].Text)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "decisions/s")
}
