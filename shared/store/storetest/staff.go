package storetest

// staffCases test the staff queue: listing by index, pagination, filters,
// optimistic updates and the audit trail.
var staffCases = []Case{}
