package middleware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"fmt"
)

// Key is a private signing key: ECDSA on P-521 (signing SHA-512 digests,
// ASN.1 DER signatures) or Ed25519. Build one with ParseKey or NewKey; the
// zero Key signs nothing. A Key is immutable and safe for concurrent use.
// Its String method never prints key material.
type Key struct {
	ec *ecdsa.PrivateKey
	ed ed25519.PrivateKey
}

// NewKey wraps an in-memory private key. It accepts *ecdsa.PrivateKey on
// P-521 and ed25519.PrivateKey; anything else is a *KeyError wrapping
// ErrUnsupportedKey.
func NewKey(priv crypto.PrivateKey) (*Key, error) {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P521() {
			return nil, &KeyError{Err: ErrUnsupportedKey, Detail: "ECDSA key on curve " + k.Curve.Params().Name + ", Upvest requires P-521"}
		}
		return &Key{ec: k}, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, &KeyError{Err: ErrMalformedKey, Detail: "Ed25519 key of wrong length"}
		}
		return &Key{ed: k}, nil
	case *ed25519.PrivateKey:
		return NewKey(*k)
	default:
		return nil, &KeyError{Err: ErrUnsupportedKey, Detail: fmt.Sprintf("%T keys are not supported, use ECDSA P-521 or Ed25519", priv)}
	}
}

// Algorithm names the signature algorithm: "ecdsa-p521-sha512" or "ed25519",
// or "" for the zero Key.
func (k *Key) Algorithm() string {
	switch {
	case k == nil:
		return ""
	case k.ec != nil:
		return "ecdsa-p521-sha512"
	case k.ed != nil:
		return "ed25519"
	}
	return ""
}

// Public returns the public half: *ecdsa.PublicKey or ed25519.PublicKey.
func (k *Key) Public() crypto.PublicKey {
	switch {
	case k == nil:
		return nil
	case k.ec != nil:
		return &k.ec.PublicKey
	case k.ed != nil:
		return k.ed.Public()
	}
	return nil
}

// Sign signs base: ECDSA P-521 over SHA-512(base), DER encoded, or Ed25519
// over base itself.
func (k *Key) Sign(base []byte) ([]byte, error) {
	switch {
	case k == nil:
	case k.ec != nil:
		sum := sha512.Sum512(base)
		return ecdsa.SignASN1(rand.Reader, k.ec, sum[:])
	case k.ed != nil:
		return ed25519.Sign(k.ed, base), nil
	}
	return nil, &KeyError{Err: ErrNoKey}
}

// String describes the key without any key material.
func (k *Key) String() string { return "middleware.Key(" + k.Algorithm() + ")" }

// GoString is String, so %#v prints no key material either.
func (k *Key) GoString() string { return k.String() }
