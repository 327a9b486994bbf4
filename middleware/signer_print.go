package middleware

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// String describes the Signer: its key id and algorithm, never key material.
func (s Signer) String() string {
	return fmt.Sprintf("middleware.Signer{KeyID:%q, Algorithm:%q, Validity:%s}", s.KeyID(), s.Algorithm(), s.Validity)
}

// GoString is String, so %#v prints no key material either.
func (s Signer) GoString() string { return s.String() }

// Format prints String for every verb (%q quotes it).
func (s Signer) Format(f fmt.State, verb rune) { redactedFormat(f, verb, s.String()) }

// LogValue is what log/slog records: the key id and the algorithm.
func (s Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key_id", s.KeyID()), slog.String("algorithm", s.Algorithm()))
}

// MarshalJSON encodes the key id and the algorithm.
func (s Signer) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"key_id": s.KeyID(), "algorithm": s.Algorithm()})
}
