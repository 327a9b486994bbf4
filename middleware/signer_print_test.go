package middleware

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// A Signer printed any way shows its key id and algorithm, never key
// material, whatever crypto.Signer it holds (a bare ed25519.PrivateKey is a
// byte slice that fmt would print).
func TestSignerPrintsNoKeyMaterial(t *testing.T) {
	t.Parallel()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	d, _ := p521.Bytes()
	for name, tc := range map[string]struct {
		key      crypto.Signer
		material []string
	}{
		"ed25519": {ed, []string{fmt.Sprint([]byte(ed.Seed()[:8]))[1:20], fmt.Sprintf("%x", ed.Seed()[:8])}},
		"ecdsa":   {p521, []string{fmt.Sprintf("%x", d[:8]), new(big.Int).SetBytes(d).String()[:20]}},
	} {
		s := must(NewSigner(tc.key, testKeyID))
		for how, out := range renderings(s) {
			for _, m := range tc.material {
				if strings.Contains(out, m) {
					t.Errorf("%s: %s shows key material: %.200s", name, how, out)
				}
			}
			if how == "fmt %v" && !strings.Contains(out, testKeyID) {
				t.Errorf("%s: %s does not show the key id: %s", name, how, out)
			}
		}
		for how, out := range renderings(*s) {
			for _, m := range tc.material {
				if strings.Contains(out, m) {
					t.Errorf("%s: value %s shows key material: %.200s", name, how, out)
				}
			}
		}
	}
}
