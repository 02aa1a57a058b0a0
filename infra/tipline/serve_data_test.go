package main

import (
	"io"
	"path/filepath"
	"testing"
)

func TestServeDataFolder(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("TIPLINE_CACHE", cache)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"by default the data lives in the cache folder", nil, filepath.Join(cache, "data")},
		{"-data puts it elsewhere", []string{"-data", "/srv/tipline"}, "/srv/tipline"},
		{"-ephemeral keeps it in memory", []string{"-ephemeral"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseServe(tc.args, io.Discard, modules())
			if err != nil {
				t.Fatal(err)
			}
			if c.dataDir != tc.want {
				t.Errorf("got data folder %q, want %q", c.dataDir, tc.want)
			}
		})
	}
}
