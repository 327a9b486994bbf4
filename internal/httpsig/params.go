package httpsig

import (
	"strconv"
)

// Flags are the component parameters (RFC 9421 §2.1) this package handles.
// Every other component parameter (req, tr, key, name, …) is refused with
// ErrComponentParam.
type Flags uint8

const (
	// SF: the value is the field's strict re-serialization as a structured
	// field (RFC 9421 §2.1.1). Only fields whose structured type is known
	// here (content-digest, repr-digest: dictionaries) can carry it.
	SF Flags = 1 << iota
	// BS: each field line is wrapped as a byte sequence (RFC 9421 §2.1.3).
	BS
)

// appendFlags appends the component parameters of f: ;sf and/or ;bs.
func appendFlags(dst []byte, f Flags) []byte {
	if f&SF != 0 {
		dst = append(dst, ";sf"...)
	}
	if f&BS != 0 {
		dst = append(dst, ";bs"...)
	}
	return dst
}

// Params are the signature parameters of one signature-input member.
type Params struct {
	// Names lists the covered components in base order.
	Names []string
	// Flags, when not nil, holds the component parameters of Names[i] at
	// index i.
	Flags []Flags
	// KeyID names the key that made the signature.
	KeyID string
	// Created and Expires are Unix seconds; zero when absent.
	Created, Expires int64
	// Nonce is the random value that makes each signature unique.
	Nonce string
	// Alg is the alg parameter; empty when absent.
	Alg string
}

// flag returns the component parameters of Names[i].
func (p *Params) flag(i int) Flags {
	if i < len(p.Flags) {
		return p.Flags[i]
	}
	return 0
}

// AppendParams appends the serialised params, the text that follows "sig1="
// in signature-input and ends the signature base:
// ("@method" "@path" …);keyid="…";created=…;expires=…;nonce="…" (and
// ;alg="…" when set). Quotes and backslashes in strings are escaped.
func AppendParams(dst []byte, p *Params) []byte {
	dst = append(dst, '(')
	for i, n := range p.Names {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendQuoted(dst, n)
		dst = appendFlags(dst, p.flag(i))
	}
	dst = appendParamsTail(dst, p.KeyID, p.Created, p.Expires)
	dst = append(dst, `;nonce=`...)
	dst = appendQuoted(dst, p.Nonce)
	if p.Alg != "" {
		dst = append(dst, ";alg="...)
		dst = appendQuoted(dst, p.Alg)
	}
	return dst
}

// appendParamsTail appends what follows the component list up to the nonce:
// );keyid="…";created=…;expires=…. It is on the signing hot path: no
// allocation.
func appendParamsTail(dst []byte, keyID string, created, expires int64) []byte {
	dst = append(dst, `);keyid=`...)
	dst = appendQuoted(dst, keyID)
	dst = append(dst, ";created="...)
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, ";expires="...)
	return strconv.AppendInt(dst, expires, 10)
}

// appendQuoted appends s as a structured-field string (RFC 9651 §3.3.3):
// in double quotes, with quotes and backslashes escaped. s must be
// printable ASCII (see quotable).
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// quotable reports whether s can be a structured-field string: printable
// ASCII only.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
