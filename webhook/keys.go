package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"

	"github.com/upvest-go/upvest/gen"
)

// JWK returns the JSON Web Key of an ECDSA P-521 public key under kid, as
// GET /auth/verify_keys serves it.
func JWK(kid string, pub *ecdsa.PublicKey) gen.JWK {
	enc := func(n *big.Int) string { return base64.RawURLEncoding.EncodeToString(n.FillBytes(make([]byte, 66))) }
	return gen.JWK{Kid: kid, Kty: gen.JWKKtyEC, Crv: gen.JWKCrvP521, X: enc(pub.X), Y: enc(pub.Y)}
}

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
