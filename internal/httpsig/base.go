package httpsig

// Component is one covered component of a signature: its lower-case name
// (an HTTP field name, or a derived component such as @method) and its value.
type Component struct {
	Name  string
	Value string
}

// Style selects how component names are written in the signature base.
type Style int

const (
	// V15 writes quoted names: "@method": POST. Upvest's API calls use it.
	V15 Style = iota
	// V6 writes bare names: @method: POST. Upvest's webhook deliveries use it.
	V6
)

// AppendBase appends the signature base of components and params to dst and
// returns the extended slice: one line per component in order, then the
// @signature-params line, with no trailing newline. params is the text that
// follows "sig1=" in signature-input.
func AppendBase(dst []byte, style Style, components []Component, params string) []byte {
	for _, c := range components {
		dst = appendName(dst, style, c.Name)
		dst = append(dst, ": "...)
		dst = append(dst, c.Value...)
		dst = append(dst, '\n')
	}
	dst = appendName(dst, style, "@signature-params")
	dst = append(dst, ": "...)
	return append(dst, params...)
}

func appendName(dst []byte, style Style, name string) []byte {
	if style == V6 {
		return append(dst, name...)
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"')
}
