package storetest

// alertCases test the alert lifecycle: routes, alerts, claims, delivery
// status, acknowledgement and escalation.
var alertCases = []Case{}
