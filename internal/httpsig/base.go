package httpsig

// Component is one covered component of a signature: its lower-case name
// (an HTTP field name, or a derived component such as @method), its
// component parameters and its value.
type Component struct {
	Name  string
	Value string
	// Flags are the component's parameters (;sf, ;bs); zero for none, as
	// Upvest signs.
	Flags Flags
}

// Style selects how component names are written in the signature base.
type Style int

const (
	// V15 writes quoted names: "@method": POST. Upvest's API calls use it.
	V15 Style = iota
	// V6 writes bare names: @method: POST. Upvest's webhook deliveries use
	// it. It has no form for component parameters.
	V6
)

// AppendBase appends the signature base of components and params to dst and
// returns the extended slice: one line per component in order, then the
// @signature-params line, with no trailing newline. params is the text that
// follows "sig1=" in signature-input.
func AppendBase(dst []byte, style Style, components []Component, params string) []byte {
	for _, c := range components {
		dst = appendID(dst, style, c.Name, c.Flags)
		dst = append(dst, ": "...)
		dst = append(dst, c.Value...)
		dst = append(dst, '\n')
	}
	dst = appendID(dst, style, "@signature-params", 0)
	dst = append(dst, ": "...)
	return append(dst, params...)
}

// appendID appends a component identifier as the base writes it:
// "name";sf in V15, name in V6.
func appendID(dst []byte, style Style, name string, f Flags) []byte {
	if style == V6 {
		return append(dst, name...)
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, '"')
	return appendFlags(dst, f)
}
