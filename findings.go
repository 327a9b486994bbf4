package upvest

import (
	"strconv"

	"github.com/google/uuid"
)

// Finding is one way a successful answer breaks the API document that its
// typed result survives: a pattern, a format, an enumeration or a required
// field the API did not fill. Upvest asks clients to accept what the API
// adds, and a pattern it widens is the same kind of change, so a finding
// is reported (ResponseInfo.Findings, a WARN through WithLogger's logger,
// an event on the call's span), not raised, unless the client was built
// WithStrictResponses. It names the field and the rule, never the value.
type Finding struct {
	// Field is the field's JSON path, such as securities_account_number
	// or data[3].status.
	Field string
	// Rule is the rule broken: "required", "pattern ^[0-9]{9}$", "enum".
	Rule string
}

// String returns "field: rule".
func (f Finding) String() string { return f.Field + ": " + f.Rule }

// checked is a decoded answer that can tell what the document's rules
// find in it: fatal, when the typed result cannot be had (no id, no data),
// else the findings.
type checked interface {
	check() (fatal string, findings []Finding)
}

// isSecuritiesAccountNumber checks the document's pattern ^[0-9]{9}$.
func isSecuritiesAccountNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// group wraps AccountGroup to check it against the document.
type group struct{ *AccountGroup }

func (g *group) check() (string, []Finding) { return checkGroup(g.AccountGroup, "", nil) }

// checkGroup appends g's findings, their fields under prefix, to fs.
func checkGroup(g *AccountGroup, prefix string, fs []Finding) (string, []Finding) {
	if g.ID == uuid.Nil {
		return "account group without id", fs
	}
	add := func(field, rule string) { fs = append(fs, Finding{prefix + field, rule}) }
	switch {
	case g.Status == "":
		add("status", "required")
	case !g.Status.Valid():
		add("status", "enum")
	}
	switch {
	case g.Type == "":
		add("type", "required")
	case !g.Type.Valid():
		add("type", "enum")
	}
	if g.CreatedAt.IsZero() {
		add("created_at", "required")
	}
	if g.UpdatedAt.IsZero() {
		add("updated_at", "required")
	}
	if g.Users == nil {
		add("users", "required")
	}
	for i, u := range g.Users {
		if !u.Type.Valid() {
			add("users["+strconv.Itoa(i)+"].type", "enum")
		}
	}
	if !isSecuritiesAccountNumber(g.SecuritiesAccountNumber) {
		add("securities_account_number", "pattern ^[0-9]{9}$")
	}
	return "", fs
}

// listPage decodes a list answer, telling a missing meta or data from zeros.
type listPage struct {
	Meta *ListMeta      `json:"meta"`
	Data []AccountGroup `json:"data"`
}

func (p *listPage) check() (string, []Finding) {
	if p.Meta == nil || p.Data == nil {
		return "list without meta or data", nil
	}
	var fs []Finding
	for i := range p.Data {
		fatal, more := checkGroup(&p.Data[i], "data["+strconv.Itoa(i)+"].", fs)
		if fatal != "" {
			return "data[" + strconv.Itoa(i) + "]: " + fatal, nil
		}
		fs = more
	}
	return "", fs
}
