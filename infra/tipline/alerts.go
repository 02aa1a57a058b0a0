package main

import "flag"

// alertsModule runs alert dispatch, sending and escalation in the local
// stack (issue: alerts to authorities). Placeholder until that capability lands.
type alertsModule struct{}

func (m *alertsModule) flags(fs *flag.FlagSet) {}

func (m *alertsModule) start(s *stack) error { return nil }
