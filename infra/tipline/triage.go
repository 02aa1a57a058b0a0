package main

import (
	"errors"
	"io"
)

// runTriage is a PLACEHOLDER for `tipline triage` until the triage CLI lands
// (the triage engineer replaces this whole file).
func runTriage(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("triage: not available yet")
}
