package middleware

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/internal/secrettest"
)

// renderings prints v every way a program might: each fmt verb, in a
// struct, in a slice, both slog handlers and encoding/json.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	out["fmt in a struct"] = fmt.Sprintf("%+v", struct{ V any }{v})
	out["fmt in an unexported field"] = fmt.Sprintf("%+v %#v", struct{ v any }{v}, struct{ v any }{v})
	out["fmt in a slice"] = fmt.Sprintf("%v", []any{v})
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	b, err := json.Marshal(v)
	out["encoding/json"] = string(b) + fmt.Sprint(err)
	return out
}

// scalarOf returns the private scalar (ECDSA D or the Ed25519 seed), parsed
// independently of ParseKey.
func scalarOf(t *testing.T, pemBytes []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		b, _ := k.Bytes()
		return b
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return k.Seed()
	case *ecdsa.PrivateKey:
		b, _ := k.Bytes()
		return b
	}
	t.Fatalf("%T", k)
	return nil
}

// TestNothingPrintsASecret: a Key (value and pointer), a Signer, Tokens and
// a Transport, printed every way, show no key material, client secret or
// cached bearer token.
func TestNothingPrintsASecret(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		pemBytes := readKey(t, file)
		key, err := ParseKey(pemBytes, nil)
		if err != nil {
			t.Fatal(err)
		}
		scalar := scalarOf(t, pemBytes)
		material := []string{fmt.Sprint(scalar[:10])[1:25], fmt.Sprintf("%x", scalar[:10]), fmt.Sprint(int(scalar[0])) + " " + fmt.Sprint(int(scalar[1])) + " " + fmt.Sprint(int(scalar[2]))}
		signer, err := NewSigner(key, testKeyID)
		if err != nil {
			t.Fatal(err)
		}
		tokens := &Tokens{TokenURL: "https://sandbox.upvest.co/auth/token", ClientID: testClientID, ClientSecret: secrettest.Hostile,
			HTTPClient: &http.Client{Transport: &Transport{Signer: signer}}}
		// A cached bearer token must not print either.
		tokens.entries = map[string]*tokenEntry{"accounts:read": {token: "cached-bearer-token-0123456789"}}
		transport := &Transport{Signer: signer, Tokens: tokens, ClientID: testClientID}
		values := map[string]any{"Key": *key, "*Key": key, "Signer": *signer, "*Signer": signer, "*Tokens": tokens, "*Transport": transport}
		for name, v := range values {
			for how, s := range renderings(v) {
				if leaks := secrettest.Leaks(s, secrettest.Hostile, "cached-bearer-token-0123456789"); len(leaks) > 0 {
					t.Errorf("%s: %s %s shows %v", file, name, how, leaks)
				}
				for _, m := range material {
					if strings.Contains(s, m) {
						t.Errorf("%s: %s %s shows key material: %.200s", file, name, how, s)
						break
					}
				}
			}
		}
	}
}
