package contracttest

import (
	"strconv"
	"strings"
)

// Severity says whether a finding breaks the contract. The zero Severity
// is Violation; which one a finding gets depends on the Validator's Mode.
type Severity int

const (
	// Violation: the exchange breaks the document.
	Violation Severity = iota
	// Drift: in Tolerant mode, a property or enum value the document does
	// not know yet. Upvest's versioning policy says clients must accept
	// them; the document should catch up.
	Drift
)

// String returns "violation" or "drift".
func (s Severity) String() string {
	if s == Drift {
		return "drift"
	}
	return "violation"
}

// Kind is what is wrong.
type Kind string

// The kinds of finding.
const (
	// KindRoute: the method and path match no operation of the document.
	KindRoute Kind = "route"
	// KindStatus: the response status is not documented for the operation.
	KindStatus Kind = "status"
	// KindContentType: the content type is not one the document gives for
	// the body (application/json where application/problem+json is due).
	KindContentType Kind = "content-type"
	// KindSecurity: no bearer token, or one without the operation's scopes.
	KindSecurity Kind = "security"
	// KindRequired: a required header, parameter, body or property is
	// missing.
	KindRequired Kind = "required"
	// KindType: a value of the wrong JSON type.
	KindType Kind = "type"
	// KindFormat: a string breaking its format (uuid, date-time, …).
	KindFormat Kind = "format"
	// KindPattern: a string not matching its pattern.
	KindPattern Kind = "pattern"
	// KindEnum: a value outside its enum (drift in Tolerant mode).
	KindEnum Kind = "enum"
	// KindUnknownProperty: a property the schema does not declare (drift
	// in Tolerant mode).
	KindUnknownProperty Kind = "unknown-property"
	// KindSchema: any other schema rule (bounds, lengths, …).
	KindSchema Kind = "schema"
	// KindDecode: a body or header that cannot be decoded as documented
	// (not JSON, say), or one too large to check.
	KindDecode Kind = "decode"
)

// Part names where in the exchange a finding is.
type Part string

// The parts of an exchange.
const (
	PartRoute  Part = "route"
	PartStatus Part = "status"
	PartHeader Part = "header"
	PartQuery  Part = "query"
	PartPath   Part = "path"
	PartBody   Part = "body"
)

// Finding is one deviation from the document: a plain value, safe to copy
// and to share once made.
type Finding struct {
	// Severity is Violation or, in Tolerant mode, Drift.
	Severity Severity
	// Kind is what is wrong.
	Kind Kind
	// Operation is the operationId; empty when the request matches none.
	Operation string
	// Method and Path are the request's, as sent.
	Method, Path string
	// Status is the response's status; 0 when there was no response.
	Status int
	// Response is true for a finding in the response, false in the request.
	Response bool
	// Part is where in the request or response.
	Part Part
	// Pointer locates the value: an RFC 6901 JSON pointer into the body
	// ("" is the whole body), or the name of a header or parameter.
	Pointer string
	// Value is the offending value, JSON-encoded and shortened, or
	// [redacted]; empty when the value is missing.
	Value string
	// Message says what is wrong, without the value.
	Message string
}

// String renders the finding on one line:
//
//	violation getAccountGroup 200: response body /securities_account_number: pattern: string doesn't match … (value "12345678")
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Severity.String())
	b.WriteByte(' ')
	switch {
	case f.Operation != "":
		b.WriteString(f.Operation)
	case f.Method != "":
		b.WriteString(f.Method + " " + f.Path)
	default:
		b.WriteString(f.Path)
	}
	if f.Status != 0 {
		b.WriteString(" " + strconv.Itoa(f.Status))
	}
	b.WriteString(": ")
	if f.Response {
		b.WriteString("response ")
	} else {
		b.WriteString("request ")
	}
	b.WriteString(string(f.Part))
	if f.Pointer != "" {
		b.WriteString(" " + f.Pointer)
	}
	b.WriteString(": " + string(f.Kind) + ": " + f.Message)
	if f.Value != "" {
		b.WriteString(" (value " + f.Value + ")")
	}
	return oneLine(b.String())
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// Result is the outcome of checking one exchange; the zero Result has no
// findings. Its methods only read it.
type Result struct {
	// Operation is the operationId; empty when the request matches none.
	Operation string
	// Method and Path are the request's, as sent.
	Method, Path string
	// Status is the response's status; 0 when there was no response.
	Status int
	// Findings are the deviations, in the order Check gives.
	Findings []Finding
}

// Violations returns the findings that break the contract.
func (r Result) Violations() []Finding { return r.filter(Violation) }

// Drift returns the findings that are drift (Tolerant mode only).
func (r Result) Drift() []Finding { return r.filter(Drift) }

func (r Result) filter(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// stamp gives f the result's operation, method, path and status.
func (r *Result) stamp(f *Finding) {
	f.Operation, f.Method, f.Path, f.Status = r.Operation, r.Method, r.Path, r.Status
}
