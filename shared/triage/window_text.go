package triage

import (
	"strings"
	"unicode/utf8"
)

// Window bounds the text a re-triage reads: the first window_head_kib KiB
// of a conversation (its first message) and its most recent
// window_tail_kib KiB, each cut at a word boundary, so that a long
// conversation answers in time. What the dropped middle showed is not
// lost: Merge keeps the stored decision's strongest evidence (urgency
// never goes down; minor, danger now and emergency stay once seen).
func (e *Engine) Window(text string) string {
	if e.Ready() != nil {
		return text
	}
	head, tail := int(e.th.windowHeadKiB*1024), int(e.th.windowTailKiB*1024)
	if len(text) <= head+tail {
		return text
	}
	h := cutBefore(text, head)
	t := cutAfter(text, len(text)-tail)
	return text[:h] + "\n" + text[t:]
}

// cutBefore returns an index at most n where a word ends.
func cutBefore(s string, n int) int {
	if i := strings.LastIndexAny(s[:n], " \n\t"); i > 0 {
		return i
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// cutAfter returns an index at least n where a word starts.
func cutAfter(s string, n int) int {
	if i := strings.IndexAny(s[n:], " \n\t"); i >= 0 {
		return n + i + 1
	}
	for n < len(s) && !utf8.RuneStart(s[n]) {
		n++
	}
	return n
}
