package intake

// For the tests of package intake_test.
var (
	SenderForms = senderForms
	FoldDigits  = foldDigits
)

// MinCandidate is the shortest form senderForms returns.
const MinCandidate = minCandidate
