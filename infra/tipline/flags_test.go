package main

import (
	"flag"
	"io"
	"testing"
)

func TestFlagValue(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("twilio-auth-token", "default-token", "")
	fs.Bool("no-seed", false, "")
	if err := fs.Parse([]string{"-no-seed"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, flag, want string
	}{
		{"a flag left at its default reads as the default", "twilio-auth-token", "default-token"},
		{"a flag that was set reads as its value", "no-seed", "true"},
		{"a flag no module defined reads as empty", "no-such-flag", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := flagValue(fs, tc.flag); got != tc.want {
				t.Errorf("flagValue(%q) = %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
	t.Run("a module without a flag set reads every flag as empty", func(t *testing.T) {
		if got := flagValue(nil, "twilio-auth-token"); got != "" {
			t.Errorf("flagValue(nil) = %q, want empty", got)
		}
	})
}
