package contracttest

// Mode selects what counts as a violation. The zero Mode is Strict.
type Mode int

const (
	// Strict: every deviation is a Violation, unknown properties and enum
	// values included. The zero Mode.
	Strict Mode = iota
	// Tolerant: unknown properties and enum values are Drift; everything
	// else is a Violation.
	Tolerant
)

// String returns "strict" or "tolerant".
func (m Mode) String() string {
	if m == Tolerant {
		return "tolerant"
	}
	return "strict"
}

// severity is the one place the modes differ: the severity a finding of
// kind k has in mode m. In Tolerant mode an unknown property or enum value
// is Drift, as Upvest's versioning policy asks clients to accept added
// fields and values; every other finding is a Violation.
func (m Mode) severity(k Kind) Severity {
	if m == Tolerant && (k == KindUnknownProperty || k == KindEnum) {
		return Drift
	}
	return Violation
}
