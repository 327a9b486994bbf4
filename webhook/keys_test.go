package webhook_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/webhook"
)

func TestParseKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	keys, err := webhook.ParseJWKS(jwks(f.kid, &f.key.PublicKey))
	if err != nil || !keys[f.kid].Equal(&f.key.PublicKey) {
		t.Fatalf("round trip: %v", err)
	}
	for name, doc := range map[string]string{
		"not json":  "{",
		"empty":     `{"keys":[]}`,
		"wrong crv": `{"keys":[{"kid":"a","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`,
		"short x":   `{"keys":[{"kid":"a","kty":"EC","crv":"P-521","x":"AA","y":"AA"}]}`,
		"off curve": fmt.Sprintf(`{"keys":[{"kid":"a","kty":"EC","crv":"P-521","x":"%s","y":"%s"}]}`, strings.Repeat("A", 88), strings.Repeat("A", 88)),
	} {
		if _, err := webhook.ParseJWKS([]byte(doc)); !errors.Is(err, webhook.ErrBadKeySet) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	der, _ := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	keys, err := webhook.ParsePublicKeyPEM("kid-1", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil || !keys["kid-1"].Equal(&f.key.PublicKey) {
		t.Fatalf("%v", err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der256, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	for name, in := range map[string][]byte{
		"garbage": []byte("nope"),
		"P-256":   pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der256}),
		"bad der": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2}}),
	} {
		if _, err := webhook.ParsePublicKeyPEM("k", in); !errors.Is(err, webhook.ErrBadKeySet) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
