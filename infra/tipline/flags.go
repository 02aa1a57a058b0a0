package main

import "flag"

// flagValue reads a flag of the shared serve flag set by name, so that a
// module can use a flag another module defines ("" when no module defines
// it, or when fs is nil).
func flagValue(fs *flag.FlagSet, name string) string {
	if fs == nil {
		return ""
	}
	if f := fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}
