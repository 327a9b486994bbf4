// Package enum holds the API's enumerations (account group types and
// statuses, user relations, sort fields and orders, webhook event types) as
// Go types that a string literal does not convert to:
// CreateAccountGroup(ctx, user, "BUSINESS") does not compile, where with a
// string type it would and fail only at run time.
//
// The named values are package variables (a struct cannot be a constant);
// compare with == (or Equal, which go-cmp uses) or switch on them. Values
// decoded from the API keep their text even when this version does not
// know them (newer API versions add values): Valid reports whether a value
// is a known one, String returns its text. To turn text of your own into a value (a flag, a request), use
// Parse, which refuses unknown text; each type also scans from and into a
// database text column (sql.Scanner, driver.Valuer).
//
// A string where an enumeration is expected does not compile. The
// compiler says, for example, `cannot use "BUSINESS" (untyped string
// constant) as upvest.AccountGroupType value in argument to
// c.CreateAccountGroup`, or for a switch case `cannot convert "CLOSED"
// (untyped string constant) to type struct{_ [0]*enum.AccountGroupStatus;
// enum.name}`: use the variable (StatusClosed), or Parse for text. One
// enumeration does not convert to another either: each has its own
// underlying type.
//
// The variables are the values' only names: never assign to them (the
// facade and webhook packages keep copies taken at start-up).
//
// The zero value of each type is "no value": IsZero reports it, String
// returns "" and Valid false. Values are small comparable structs, safe to
// copy and to use from any goroutine. The generated models (package gen)
// and the facade (package upvest) use these types under the same names.
package enum

// name is the text of an enumerated value. Each enumeration embeds it and
// so gets String, MarshalText, UnmarshalText, Bind, IsZero, Scan and
// Value; its field is unexported, so only this package's values and
// decoded text fill it.
type name struct{ s string }

// String returns the value's text as the API spells it ("" for the zero value).
func (n name) String() string { return n.s }

// MarshalText returns the value's text; the zero value marshals as "".
func (n name) MarshalText() ([]byte, error) { return []byte(n.s), nil }

// UnmarshalText sets the value to text, known or not: check Valid.
// Known values are shared, so decoding them does not allocate.
func (n *name) UnmarshalText(text []byte) error {
	if s, ok := known[string(text)]; ok {
		n.s = s
		return nil
	}
	n.s = string(text)
	return nil
}

// Bind sets the value from a query or path parameter's text, as
// UnmarshalText does. The server code oapi-codegen generates (package gen)
// binds parameters of struct types only through this method; without it
// order=DESC would be dropped silently.
func (n *name) Bind(text string) error { return n.UnmarshalText([]byte(text)) }

// IsZero reports whether the value is the zero value (no value): JSON's
// omitzero leaves such a field out.
func (n name) IsZero() bool { return n.s == "" }

// known interns every value this package names, by its text.
var known = map[string]string{}

// named registers text as a known value and returns it as a name.
func named(text string) name {
	known[text] = text
	return name{text}
}
