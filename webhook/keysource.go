package webhook

import (
	"context"
	"crypto/ecdsa"
	"fmt"
)

// KeySource finds the public key for a signature's keyid. Implementations
// must be safe for concurrent use.
type KeySource interface {
	Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error)
}

// StaticKeys is a fixed key set, from ParseJWKS, ParseKeySet or
// ParsePublicKeyPEM. It is safe for concurrent use as long as nobody
// modifies it.
type StaticKeys map[string]*ecdsa.PublicKey

// Key implements KeySource.
func (s StaticKeys) Key(_ context.Context, kid string) (*ecdsa.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
}
