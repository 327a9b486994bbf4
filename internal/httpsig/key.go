package httpsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// Algorithm is the signature algorithm of a signing key.
type Algorithm uint8

const (
	// ECDSAP521SHA512 signs the SHA-512 digest of the base with ECDSA on
	// P-521; the signature is ASN.1 DER.
	ECDSAP521SHA512 Algorithm = iota + 1
	// Ed25519 signs the base itself (crypto.Hash(0)).
	Ed25519
)

// String names the algorithm: "ecdsa-p521-sha512" or "ed25519".
func (a Algorithm) String() string {
	switch a {
	case ECDSAP521SHA512:
		return "ecdsa-p521-sha512"
	case Ed25519:
		return "ed25519"
	}
	return ""
}

// UnsupportedKeyError reports a signer whose public key is neither ECDSA
// P-521 nor Ed25519. It wraps ErrUnsupportedKey.
type UnsupportedKeyError struct {
	// Reason names what was found, such as "ECDSA key on curve P-256".
	Reason string
}

func (e *UnsupportedKeyError) Error() string {
	return "httpsig: unsupported signing key: " + e.Reason + "; Upvest requires ECDSA P-521 or Ed25519"
}

// Unwrap returns ErrUnsupportedKey.
func (e *UnsupportedKeyError) Unwrap() error { return ErrUnsupportedKey }

// AlgorithmOf returns the algorithm a key with public half pub signs with,
// or an *UnsupportedKeyError.
func AlgorithmOf(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch {
		case k == nil || k.Curve == nil:
			return 0, &UnsupportedKeyError{Reason: "ECDSA key without a curve"}
		case k.Curve != elliptic.P521():
			return 0, &UnsupportedKeyError{Reason: "ECDSA key on curve " + k.Curve.Params().Name}
		}
		return ECDSAP521SHA512, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return 0, &UnsupportedKeyError{Reason: "Ed25519 public key of " + strconv.Itoa(len(k)) + " bytes"}
		}
		return Ed25519, nil
	case nil:
		return 0, &UnsupportedKeyError{Reason: "no public key"}
	default:
		return 0, &UnsupportedKeyError{Reason: fmt.Sprintf("%T keys", pub)}
	}
}

// contextSigner is middleware.ContextSigner's extra method, matched by
// shape so that this package needs no import of the interface.
type contextSigner interface {
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// Key is a crypto.Signer checked to be ECDSA P-521 or Ed25519, ready to
// sign bases. It is immutable and safe for concurrent use as long as its
// signer is.
type Key struct {
	signer crypto.Signer
	ctx    contextSigner // the signer, when it has SignContext
	alg    Algorithm
}

// NewKey checks s (its Public() must be ECDSA P-521 or Ed25519) and returns
// a Key signing with it. A nil s, or a nil pointer in it, gets an
// *UnsupportedKeyError; Public is called once, here.
func NewKey(s crypto.Signer) (*Key, error) {
	if s == nil {
		return nil, &UnsupportedKeyError{Reason: "nil signer"}
	}
	if v := reflect.ValueOf(s); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, &UnsupportedKeyError{Reason: fmt.Sprintf("nil %T", s)}
	}
	alg, err := AlgorithmOf(s.Public())
	if err != nil {
		return nil, err
	}
	k := &Key{signer: s, alg: alg}
	k.ctx, _ = s.(contextSigner)
	return k, nil
}

// Algorithm returns the key's algorithm.
func (k *Key) Algorithm() Algorithm { return k.alg }

// Signer returns the crypto.Signer the key signs with.
func (k *Key) Signer() crypto.Signer { return k.signer }
