package httpsig

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha512"
	"errors"
	"fmt"
)

// ErrBadSignature means the signature does not verify with the key.
var ErrBadSignature = errors.New("signature does not verify")

// ErrUnsupportedKey means the key is neither ECDSA P-521 nor Ed25519.
var ErrUnsupportedKey = errors.New("unsupported verification key: want ECDSA P-521 or Ed25519")

// Verify checks sig over base with pub: ECDSA P-521 over SHA-512 with an
// ASN.1 DER signature, or Ed25519 over the base bytes.
func Verify(pub any, base, sig []byte) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P521() {
			return fmt.Errorf("%w (curve %s)", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		sum := sha512.Sum512(base)
		if !ecdsa.VerifyASN1(k, sum[:], sig) {
			return ErrBadSignature
		}
		return nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize || !ed25519.Verify(k, base, sig) {
			return ErrBadSignature
		}
		return nil
	default:
		return fmt.Errorf("%w (%T)", ErrUnsupportedKey, pub)
	}
}
