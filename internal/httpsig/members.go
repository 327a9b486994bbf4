package httpsig

import "strings"

type member struct{ label, raw string }

// splitMembers cuts a header that httpsfv parsed as a dictionary into its
// members' keys and raw values. A valid dictionary has commas outside
// strings only between members, and backslashes only as string escapes.
func splitMembers(s string) ([]member, error) {
	var out []member
	seen := map[string]bool{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		end := memberEnd(s)
		m := strings.TrimRight(s[:end], " \t")
		label, raw, _ := strings.Cut(m, "=")
		if i := strings.IndexByte(label, ';'); i >= 0 { // a bare key with parameters
			label, raw = label[:i], ""
		}
		if seen[label] {
			return nil, malformed("signature-input repeats the label %q", label)
		}
		seen[label] = true
		out = append(out, member{label: label, raw: raw})
		if end == len(s) {
			return out, nil
		}
		s = s[end+1:]
	}
}

// memberEnd returns the index of the comma that ends the first member of
// s, a dictionary's text, or len(s) when s holds one member: the first
// comma outside a string.
func memberEnd(s string) int {
	inString := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && c == ',':
			return i
		}
	}
	return len(s)
}

// tooManyMembers reports whether the dictionary text s has more than
// MaxMembers members, reading no further than the member past the bound.
func tooManyMembers(s string) bool {
	for n := 1; ; n++ {
		end := memberEnd(s)
		if end == len(s) {
			return false
		}
		if n == MaxMembers {
			return true
		}
		s = s[end+1:]
	}
}
