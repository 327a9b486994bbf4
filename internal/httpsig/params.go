package httpsig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Params are the signature parameters of signature-input.
type Params struct {
	// Names lists the covered components in base order.
	Names []string
	// KeyID names the key that made the signature.
	KeyID string
	// Created and Expires are Unix seconds; zero when absent.
	Created, Expires int64
	// Nonce is the random value that makes each signature unique.
	Nonce string
}

// AppendParams appends the serialised params, the text that follows "sig1="
// in signature-input and ends the signature base:
// ("@method" "@path" …);keyid="…";created=…;expires=…;nonce="…".
func AppendParams(dst []byte, p *Params) []byte {
	dst = append(dst, '(')
	for i, n := range p.Names {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, '"')
		dst = append(dst, n...)
		dst = append(dst, '"')
	}
	dst = appendParamsTail(dst, p.KeyID, p.Created, p.Expires)
	dst = append(dst, `;nonce="`...)
	dst = append(dst, p.Nonce...)
	return append(dst, '"')
}

// appendParamsTail appends what follows the component list up to the nonce:
// );keyid="…";created=…;expires=….
func appendParamsTail(dst []byte, keyID string, created, expires int64) []byte {
	dst = append(dst, `);keyid="`...)
	dst = append(dst, keyID...)
	dst = append(dst, `";created=`...)
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, ";expires="...)
	return strconv.AppendInt(dst, expires, 10)
}

// ErrMalformed is wrapped by every parse error of this package.
var ErrMalformed = errors.New("malformed signature header")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// SignatureInput is one parsed member of a signature-input header.
type SignatureInput struct {
	// Label is the member's name, such as sig1.
	Label string
	// Raw is the member's value byte for byte: what the base's
	// @signature-params line must repeat.
	Raw string
	Params
	// Replay is set by VerifyRequest: the key under which Nonces recorded
	// this signature.
	Replay string
}

// ParseSignatureInput parses a signature-input header and returns its first
// member. Unknown parameters are ignored; duplicate ones are refused.
func ParseSignatureInput(header string) (*SignatureInput, error) {
	s := strings.TrimSpace(header)
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return nil, malformed("signature-input has no label")
	}
	in := &SignatureInput{Label: s[:eq]}
	if !isToken(in.Label) {
		return nil, malformed("signature-input label is not a token")
	}
	rest := s[eq+1:]
	// A second member (",label=...") ends this one.
	if i := memberEnd(rest); i >= 0 {
		rest = rest[:i]
	}
	in.Raw = strings.TrimSpace(rest)
	v := in.Raw
	if len(v) == 0 || v[0] != '(' {
		return nil, malformed("signature-input has no component list")
	}
	end := strings.IndexByte(v, ')')
	if end < 0 {
		return nil, malformed("signature-input component list is not closed")
	}
	for _, f := range strings.Fields(v[1:end]) {
		if len(f) < 3 || f[0] != '"' || f[len(f)-1] != '"' {
			return nil, malformed("component %q is not a quoted string", f)
		}
		name := f[1 : len(f)-1]
		if strings.ContainsAny(name, "\" \\") {
			return nil, malformed("component name %q", name)
		}
		in.Names = append(in.Names, name)
	}
	seen := map[string]bool{}
	for v = v[end+1:]; v != ""; {
		if v[0] != ';' {
			return nil, malformed("expected ';' before a parameter")
		}
		v = v[1:]
		eq := strings.IndexByte(v, '=')
		if eq <= 0 {
			return nil, malformed("parameter without a value")
		}
		name := v[:eq]
		if seen[name] {
			return nil, malformed("duplicate parameter %q", name)
		}
		seen[name] = true
		v = v[eq+1:]
		var val string
		quoted := len(v) > 0 && v[0] == '"'
		if quoted {
			close := strings.IndexByte(v[1:], '"')
			if close < 0 {
				return nil, malformed("parameter %q: unterminated string", name)
			}
			val, v = v[1:close+1], v[close+2:]
		} else {
			semi := strings.IndexByte(v, ';')
			if semi < 0 {
				semi = len(v)
			}
			val, v = v[:semi], v[semi:]
		}
		switch name {
		case "keyid", "nonce":
			if !quoted {
				return nil, malformed("parameter %q must be a quoted string", name)
			}
			if name == "keyid" {
				in.KeyID = val
			} else {
				in.Nonce = val
			}
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if quoted || err != nil || n < 0 {
				return nil, malformed("parameter %q must be a non-negative integer", name)
			}
			if name == "created" {
				in.Created = n
			} else {
				in.Expires = n
			}
		}
	}
	return in, nil
}

// memberEnd finds a comma that starts another dictionary member outside a
// quoted string, or returns -1.
func memberEnd(s string) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// ParseSignature returns the signature bytes that header (a signature header,
// label=:base64:) carries for label.
func ParseSignature(header, label string) ([]byte, error) {
	for _, member := range strings.Split(header, ",") {
		member = strings.TrimSpace(member)
		eq := strings.IndexByte(member, '=')
		if eq <= 0 || member[:eq] != label {
			continue
		}
		v := member[eq+1:]
		if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
			return nil, malformed("signature value is not :base64:")
		}
		sig, err := decodeBase64(v[1 : len(v)-1])
		if err != nil || len(sig) == 0 {
			return nil, malformed("signature value is not base64")
		}
		return sig, nil
	}
	return nil, malformed("no signature labelled %q", label)
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*') {
			return false
		}
	}
	return s != ""
}
