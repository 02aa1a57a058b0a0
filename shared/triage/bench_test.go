package triage

import (
	"os"
	"testing"
)

// BenchmarkDecide measures decisions per second over the regression corpus,
// the development set's messages (docs/triage-contract.md).
//
//	go test ./shared/triage -run '^$' -bench Decide
func BenchmarkDecide(b *testing.B) {
	f, err := os.Open("testdata/corpus.jsonl")
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
