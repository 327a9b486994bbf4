package middleware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Key is a private signing key in memory: ECDSA on P-521 (signing SHA-512
// digests, ASN.1 DER signatures) or Ed25519. Build one with ParseKey or
// NewKey; the zero Key signs nothing. A *Key is a crypto.Signer, so it goes
// wherever a key held elsewhere (a KMS, an HSM, an agent) would: NewSigner,
// Signer.Rotate. A Key is immutable and safe for concurrent use.
// Printed in any way (fmt, log/slog, encoding/json) it shows its
// algorithm only, never key material: the material sits behind a pointer
// that fmt does not follow below the top level.
type Key struct {
	m *keyMaterial
}

// keyMaterial is the private key: exactly one field is set.
type keyMaterial struct {
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
		return &Key{m: &keyMaterial{ec: k}}, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, &KeyError{Err: ErrMalformedKey, Detail: "Ed25519 key of wrong length"}
		}
		return &Key{m: &keyMaterial{ed: k}}, nil
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
	case k == nil || k.m == nil:
		return ""
	case k.m.ec != nil:
		return "ecdsa-p521-sha512"
	case k.m.ed != nil:
		return "ed25519"
	}
	return ""
}

// Public returns the public half: *ecdsa.PublicKey or ed25519.PublicKey.
func (k *Key) Public() crypto.PublicKey {
	switch {
	case k == nil || k.m == nil:
		return nil
	case k.m.ec != nil:
		return &k.m.ec.PublicKey
	case k.m.ed != nil:
		return k.m.ed.Public()
	}
	return nil
}

// Sign implements crypto.Signer. An ECDSA key signs digest, the hash of
// the message under opts.HashFunc() (Upvest: SHA-512 of the signature
// base), and returns an ASN.1 DER signature; a nil rand means crypto/rand.
// An Ed25519 key signs the message itself when opts.HashFunc() is
// crypto.Hash(0) (what Upvest uses), and follows ed25519.PrivateKey.Sign for
// *ed25519.Options. A nil or zero Key returns a *KeyError wrapping ErrNoKey.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	switch {
	case k == nil || k.m == nil:
	case k.m.ec != nil:
		if rand == nil {
			rand = cryptorand.Reader
		}
		return k.m.ec.Sign(rand, digest, opts)
	case k.m.ed != nil:
		return k.m.ed.Sign(rand, digest, opts)
	}
	return nil, &KeyError{Err: ErrNoKey}
}

// A *Key is a crypto.Signer: give it to NewSigner, or anywhere else one is
// taken.
var _ crypto.Signer = (*Key)(nil)

// String describes the key without any key material.
func (k Key) String() string { return "middleware.Key(" + k.Algorithm() + ")" }

// GoString is String, so %#v prints no key material either.
func (k Key) GoString() string { return k.String() }

// Format prints String for every verb (%q quotes it), so no verb reaches
// the key material.
func (k Key) Format(f fmt.State, verb rune) { redactedFormat(f, verb, k.String()) }

// LogValue is what log/slog records: the algorithm only.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes the key as its description, never its material.
func (k Key) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }
