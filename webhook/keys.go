package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParseJWKS reads a JWKS document ({"keys":[…]}) into public keys by kid.
// Keys that are not EC P-521, or not on the curve, are left out (see
// ParseKeySet, which also says why); the error, wrapping ErrBadKeySet, comes
// only when no key is usable.
func ParseJWKS(data []byte) (map[string]*ecdsa.PublicKey, error) {
	set, err := ParseKeySet(data)
	if err != nil {
		return nil, err
	}
	return set.Keys, nil
}

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" (ECDSA P-521) for kid.
func ParsePublicKeyPEM(kid string, data []byte) (map[string]*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: no PEM PUBLIC KEY block", ErrBadKeySet)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeySet, err)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P521() {
		return nil, fmt.Errorf("%w: want an ECDSA P-521 public key", ErrBadKeySet)
	}
	return map[string]*ecdsa.PublicKey{kid: ec}, nil
}
