package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the package's tests a cache folder of their own, so that a
// serve started in-process keeps its journal, keys and dead letters there,
// never in the user's ${TIPLINE_CACHE:-~/.cache/tipline}, and every run
// starts with no data.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tipline-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TIPLINE_CACHE", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
