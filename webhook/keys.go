package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
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

// ErrBadKeySet reports a JWKS or PEM document that holds no usable P-521 key.
var ErrBadKeySet = errors.New("webhook: bad verification key set")

// ParseJWKS reads a JWKS document ({"keys":[…]}) into public keys by kid.
// Keys that are not EC P-521 are refused, as are points not on the curve.
func ParseJWKS(data []byte) (map[string]*ecdsa.PublicKey, error) {
	var set gen.JWKS
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeySet, err)
	}
	return keysFromJWKS(set)
}

func keysFromJWKS(set gen.JWKS) (map[string]*ecdsa.PublicKey, error) {
	keys := make(map[string]*ecdsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != gen.JWKKtyEC || k.Crv != gen.JWKCrvP521 {
			return nil, fmt.Errorf("%w: key %q is %s %s, want EC P-521", ErrBadKeySet, k.Kid, k.Kty, k.Crv)
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 66 || len(y) != 66 {
			return nil, fmt.Errorf("%w: key %q: coordinates are not 66-byte base64url", ErrBadKeySet, k.Kid)
		}
		raw := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P521(), raw)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrBadKeySet, k.Kid, err)
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrBadKeySet)
	}
	return keys, nil
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
