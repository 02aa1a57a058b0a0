package triage

import (
	"strings"
	"testing"
)

func TestWindowKeepsTheFirstMessageAndTheMostRecentText(t *testing.T) {
	e := mustEngine(t)
	first := "en el bar de la pampa tienen a una chica de 15 encerrada"
	filler := strings.Repeat("otra cosa más ", 4000) // ~56 KiB
	last := "ahora la van a llevar en una camioneta"
	text := first + "\n" + filler + "\n" + last
	got := e.Window(text)
	tests := []struct {
		name string
		ok   bool
	}{
		{"the window is shorter than the text", len(got) < len(text)},
		{"it is at most head plus tail plus a line break", len(got) <= int((e.th.windowHeadKiB+e.th.windowTailKiB)*1024)+1},
		{"the first message is in it", strings.HasPrefix(got, first)},
		{"the most recent message is in it", strings.HasSuffix(got, last)},
		{"it cuts between words", wordsOf(got, text)},
		{"a short text is read whole", e.Window(first) == first},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: window of %d bytes", tt.name, len(got))
		}
	}
	if d := Merge(e.Decide(text[:len(first)]), e.Decide(got)); !d.Minor || d.Urgency != "critical" {
		t.Errorf("the minor and the danger of the first message are lost: %+v", d)
	}
}

// wordsOf reports whether every word of part is a word of whole.
func wordsOf(part, whole string) bool {
	words := map[string]bool{}
	for _, w := range strings.Fields(whole) {
		words[w] = true
	}
	for _, w := range strings.Fields(part) {
		if !words[w] {
			return false
		}
	}
	return true
}
