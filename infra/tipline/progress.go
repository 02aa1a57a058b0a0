package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// progress reports how many of n items are done: on a terminal one line
// rewritten in place every 1 %, elsewhere (a log, a CI job) one line per
// 10 %, so the lines never run together.
type progress struct {
	w    io.Writer
	n    int
	what string
	tty  bool

	mu   sync.Mutex
	last int // the last step reported, in hundredths (tty) or tenths
}

func newProgress(w io.Writer, n int, what string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, n: n, what: what, tty: ok && term.IsTerminal(int(f.Fd()))}
}

// report says done items are done; safe for concurrent use.
func (p *progress) report(done int) {
	if p.n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		if step := done * 100 / p.n; step > p.last {
			p.last = step
			fmt.Fprintf(p.w, "\r%d/%d %s", done, p.n, p.what)
		}
		return
	}
	if step := done * 10 / p.n; step > p.last {
		p.last = step
		fmt.Fprintf(p.w, "%d%%: %d/%d %s\n", step*10, done, p.n, p.what)
	}
}

// finish ends the terminal's progress line.
func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
