package main

import (
	"errors"
	"io"
)

// runToken prints a staff API token (issue: staff API). Placeholder until
// that capability lands.
func runToken(args []string, stdout, stderr io.Writer) error {
	return errors.New("token: not available yet")
}
