package httpsig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dunglas/httpsfv"
)

// MaxMembers bounds the members of a signature-input or signature header:
// a request carries one signature, two when a proxy adds its own; a header
// of thousands is an attack on the verifier's CPU.
const MaxMembers = 16

// ErrMalformed is wrapped by every parse error of this package.
var ErrMalformed = errors.New("malformed signature header")

// ErrComponentParam means a covered component carries a parameter this
// package does not handle (RFC 9421 §2.1: req, tr, key, name, an unknown
// one, or sf on a field whose structured type is not known).
var ErrComponentParam = errors.New("unsupported component parameter")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// SignatureInput is one member of a signature-input header.
type SignatureInput struct {
	// Label is the member's key, such as sig1.
	Label string
	// Raw is the member's value byte for byte: what the base's
	// @signature-params line repeats (Upvest signs it as sent, not
	// re-serialised).
	Raw string
	Params
	// Problem, when not nil, says why this member cannot be verified
	// (wrapping ErrMalformed or ErrComponentParam); the other fields hold
	// what could be read, KeyID included when it is a string.
	Problem error
	// Base is set by VerifyRequest: the signature base that verified.
	Base []byte
}

// structuredField reports whether field name's structured type is known,
// so that ;sf can re-serialise it: the digest dictionaries of RFC 9530.
func structuredField(name string) bool { return name == "content-digest" || name == "repr-digest" }

// ParseSignatureInput parses a signature-input header (its field lines
// joined with ", ") as an RFC 9651 dictionary with
// github.com/dunglas/httpsfv and returns every member in order. A header
// that is not a well-formed dictionary, has no member or more than
// MaxMembers, or repeats a label is an error wrapping ErrMalformed (the
// bound is checked before anything is parsed); a member that is well-formed but unusable
// (not an inner list of strings, a parameter of the wrong type, a component
// parameter not handled here) is returned with its Problem set, so that
// another member can still be verified.
func ParseSignatureInput(header string) ([]*SignatureInput, error) {
	if tooManyMembers(header) {
		return nil, malformed("signature-input has more than %d members", MaxMembers)
	}
	dict, err := httpsfv.UnmarshalDictionary([]string{header})
	if err != nil {
		return nil, malformed("signature-input is not a structured-field dictionary: %v", err)
	}
	members, err := splitMembers(header)
	if err != nil {
		return nil, err
	}
	names := dict.Names()
	if len(names) == 0 {
		return nil, malformed("signature-input has no member")
	}
	if len(names) != len(members) {
		return nil, malformed("signature-input members could not be delimited")
	}
	out := make([]*SignatureInput, len(members))
	for i, m := range members {
		if names[i] != m.label {
			return nil, malformed("signature-input members could not be delimited")
		}
		v, _ := dict.Get(m.label)
		in := &SignatureInput{Label: m.label, Raw: m.raw}
		in.Problem = in.read(v)
		out[i] = in
	}
	return out, nil
}

// read fills in from the parsed member v, returning why it cannot be
// verified, if so. The signature parameters come first, so that KeyID is
// known even when a component is not usable.
func (in *SignatureInput) read(v httpsfv.Member) error {
	list, ok := v.(httpsfv.InnerList)
	if !ok {
		return malformed("member %q is not an inner list of components", in.Label)
	}
	if err := in.readParams(list.Params); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, item := range list.Items {
		name, ok := item.Value.(string)
		if !ok {
			return malformed("component %v is not a quoted string", item.Value)
		}
		if err := checkComponentName(name); err != nil {
			return err
		}
		flags, err := componentFlags(name, item.Params)
		if err != nil {
			return err
		}
		id := string(appendFlags([]byte(name), flags))
		if seen[id] {
			return malformed("component %q is covered twice", id)
		}
		seen[id] = true
		if flags != 0 && in.Flags == nil {
			in.Flags = make([]Flags, len(list.Items))
		}
		if in.Flags != nil {
			in.Flags[len(in.Names)] = flags
		}
		in.Names = append(in.Names, name)
	}
	return nil
}

// readParams reads the signature parameters: keyid, nonce and alg are
// strings, created and expires non-negative integers; others are ignored.
func (in *SignatureInput) readParams(p *httpsfv.Params) error {
	for _, name := range p.Names() {
		v, _ := p.Get(name)
		switch name {
		case "keyid", "nonce", "alg":
			s, ok := v.(string)
			if !ok {
				return malformed("parameter %s must be a quoted string", name)
			}
			switch name {
			case "keyid":
				in.KeyID = s
			case "nonce":
				in.Nonce = s
			default:
				in.Alg = s
			}
		case "created", "expires":
			n, ok := v.(int64)
			if !ok || n < 0 {
				return malformed("parameter %s must be a non-negative integer", name)
			}
			if name == "created" {
				in.Created = n
			} else {
				in.Expires = n
			}
		}
	}
	return nil
}

// checkComponentName accepts a lower-case field name (an HTTP token) or a
// derived component name (@ and a lower-case token).
func checkComponentName(name string) error {
	body := strings.TrimPrefix(name, "@")
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= 'A' && c <= 'Z' {
			return malformed("component name %q is not lower case", name)
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return malformed("component name %q is not a field name", name)
		}
	}
	if body == "" {
		return malformed("empty component name")
	}
	return nil
}

// componentFlags reads a component's parameters: sf and bs (boolean true)
// are handled, on fields only, not both at once; every other one is
// refused with ErrComponentParam.
func componentFlags(name string, p *httpsfv.Params) (Flags, error) {
	var f Flags
	for _, param := range p.Names() {
		v, _ := p.Get(param)
		switch param {
		case "sf", "bs":
			if v != true {
				return 0, malformed("component %q: parameter %s must be boolean true", name, param)
			}
			if name[0] == '@' {
				return 0, fmt.Errorf("%w: %q;%s: sf and bs apply to fields, not to derived components", ErrComponentParam, name, param)
			}
			if param == "sf" {
				if !structuredField(name) {
					return 0, fmt.Errorf("%w: %q;sf: the structured type of %s is not known here (only content-digest and repr-digest)", ErrComponentParam, name, name)
				}
				f |= SF
			} else {
				f |= BS
			}
		case "req":
			return 0, fmt.Errorf("%w: %q;req: components of the related request are for signed responses, not requests", ErrComponentParam, name)
		case "tr":
			return 0, fmt.Errorf("%w: %q;tr: trailer fields are not supported", ErrComponentParam, name)
		case "key":
			return 0, fmt.Errorf("%w: %q;key: dictionary members are not supported; cover the whole field", ErrComponentParam, name)
		case "name":
			return 0, fmt.Errorf("%w: %q;name: @query-param is not supported; cover @query", ErrComponentParam, name)
		default:
			return 0, fmt.Errorf("%w: %q;%s is not a parameter this verifier knows", ErrComponentParam, name, param)
		}
	}
	if f == SF|BS {
		return 0, malformed("component %q: sf and bs cannot be combined", name)
	}
	return f, nil
}

// ParseSignature returns the signature bytes that header (a signature
// header, label=:base64:, field lines joined with ", ") carries for label.
// header must be a well-formed RFC 9651 dictionary.
func ParseSignature(header, label string) ([]byte, error) {
	dict, err := httpsfv.UnmarshalDictionary([]string{header})
	if err != nil {
		return nil, malformed("signature is not a structured-field dictionary: %v", err)
	}
	return signatureOf(dict, label)
}

func signatureOf(dict *httpsfv.Dictionary, label string) ([]byte, error) {
	v, ok := dict.Get(label)
	if !ok {
		return nil, malformed("no signature labelled %q", label)
	}
	item, ok := v.(httpsfv.Item)
	sig, isBytes := item.Value.([]byte)
	if !ok || !isBytes || len(sig) == 0 {
		return nil, malformed("signature %q is not a non-empty byte sequence (:base64:)", label)
	}
	return sig, nil
}
