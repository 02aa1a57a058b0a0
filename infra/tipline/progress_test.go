package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestProgressOffATerminal(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want []string
	}{
		{"a thousand items give one line per 10 %", 1000, []string{
			"10%: 100/1000 sent", "20%: 200/1000 sent", "30%: 300/1000 sent", "40%: 400/1000 sent", "50%: 500/1000 sent",
			"60%: 600/1000 sent", "70%: 700/1000 sent", "80%: 800/1000 sent", "90%: 900/1000 sent", "100%: 1000/1000 sent"}},
		{"three items give a line for each step they cross", 3, []string{"30%: 1/3 sent", "60%: 2/3 sent", "100%: 3/3 sent"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newProgress(&out, tc.n, "sent")
			var wg sync.WaitGroup
			var mu sync.Mutex
			done := 0
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						mu.Lock()
						if done == tc.n {
							mu.Unlock()
							return
						}
						done++
						d := done
						p.report(d)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			p.finish()
			if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got lines %q, want %q", got, tc.want)
			}
		})
	}
}
