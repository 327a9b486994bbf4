package middleware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
)

// ExampleNewSigner signs with a key that never leaves its keeper (a KMS, an
// HSM, an agent): all NewSigner needs is a crypto.Signer whose public key
// is ECDSA P-521 or Ed25519. Implementing ContextSigner as well lets each
// signing call be bounded by the request's context.
func ExampleNewSigner() {
	// Stands for a KMS client; here the key is generated in memory.
	priv, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	kms := &kmsSigner{key: priv}

	signer, err := NewSigner(kms, "the-id-upvest-gave-the-public-key")
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest(http.MethodGet, "https://sandbox.upvest.co/account_groups", nil)
	req.Header.Set("Upvest-Client-Id", "your-client-id")
	if err := signer.Sign(req, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signer.KeyID(), signer.Algorithm(), "signing calls:", kms.calls.Load())
	fmt.Println(kms.opts.HashFunc() == crypto.SHA512, len(kms.last), "digest bytes")

	// Keys of other types are refused when the Signer is built.
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = NewSigner(&kmsSigner{key: p256}, "another-id")
	var ke *KeyError
	fmt.Println(errors.As(err, &ke), errors.Is(err, ErrUnsupportedKey))

	// Rotation: upload the new public key, then switch; signatures under
	// way finish with the old key.
	_, next, _ := ed25519.GenerateKey(rand.Reader)
	if err := signer.Rotate(next, "the-new-key-id"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signer.KeyID(), signer.Algorithm())
	// Output:
	// the-id-upvest-gave-the-public-key ecdsa-p521-sha512 signing calls: 1
	// true 64 digest bytes
	// true true
	// the-new-key-id ed25519
}
