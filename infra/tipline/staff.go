package main

import "flag"

// staffModule serves the staff API under /api/ in the local stack (issue:
// staff API). Placeholder until that capability lands.
type staffModule struct{}

func (m *staffModule) flags(fs *flag.FlagSet) {}

func (m *staffModule) start(s *stack) error { return nil }
