// Package tipline is the repository's root: it embeds the SAM template, so
// that the local stack reads what Lambda is configured with (the stream
// filters of the alert functions) instead of a copy that could drift.
package tipline

import _ "embed"

// Template is template.yaml as deployed.
//
//go:embed template.yaml
var Template []byte
