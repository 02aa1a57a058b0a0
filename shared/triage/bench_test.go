package triage

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
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
	cpu := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		e.Decide(ls[i%len(ls)].Text)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "decisions/s")
	// On a machine shared with other work the wall clock measures the
	// others too; the process's CPU time is what one core gives.
	if used := (cpuTime() - cpu).Seconds(); used > 0 {
		b.ReportMetric(float64(n)/used, "decisions/cpu-s")
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// benchText is size bytes of development-set messages, one after another,
// as a long conversation would be.
func benchText(b *testing.B, size int) string {
	f, err := os.Open("testdata/external1.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	ls, err := ReadLabelled(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var s []byte
	for i := 0; len(s) < size; i++ {
		s = append(s, ls[i%len(ls)].Text...)
		s = append(s, '\n')
	}
	return string(s[:size])
}

// BenchmarkDecideSize measures one decision over 1, 4, 16 and 64 KiB of
// conversation, and over 64 KiB of one signal word repeated: time must
// grow linearly with the text.
//
//	go test ./shared/triage -run '^$' -bench DecideSize
func BenchmarkDecideSize(b *testing.B) {
	e := mustEngine(b)
	for _, kib := range []int{1, 4, 16, 64} {
		text := benchText(b, kib<<10)
		b.Run(fmt.Sprintf("%dKiB", kib), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				e.Decide(text)
			}
		})
	}
	for _, word := range []string{"bar ", "ayuda ", "no "} {
		text := strings.Repeat(word, (64<<10)/len(word))
		b.Run(fmt.Sprintf("64KiB-of-%q", strings.TrimSpace(word)), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				e.Decide(text)
			}
		})
	}
}
