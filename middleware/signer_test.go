package middleware

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignerErrors(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodGet, "https://sandbox.upvest.co/account_groups", nil)
	if err := (&Signer{}).Sign(req, nil); !errors.Is(err, ErrSigner) {
		t.Fatalf("err = %v", err)
	}
	var nilSigner *Signer
	if err := nilSigner.Sign(req, nil); !errors.Is(err, ErrSigner) {
		t.Fatalf("err = %v", err)
	}
	if err := (&Signer{}).Rotate(must(ParseKey(readKey(t, "ed25519-pkcs8.pem"), nil)), testKeyID); !errors.Is(err, ErrSigner) {
		t.Fatalf("Rotate on the zero Signer: %v", err)
	}
	if (&Signer{}).KeyID() != "" || nilSigner.KeyID() != "" || (&Signer{}).Algorithm() != "" {
		t.Fatal("the zero Signer has a key id or an algorithm")
	}
	tr := &Transport{Signer: &Signer{}}
	if _, err := tr.RoundTrip(req); !errors.Is(err, ErrNotSigned) || !errors.Is(err, ErrSigner) {
		t.Fatalf("err = %v", err)
	}
}

// rawKey parses a PEM private key with crypto/x509 alone, as another
// library would hand it over: *ecdsa.PrivateKey, ed25519.PrivateKey or
// *rsa.PrivateKey.
func rawKey(t testing.TB, file string) crypto.Signer {
	t.Helper()
	block, _ := pem.Decode(readKey(t, file))
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer)
}

// NewSigner and Rotate take any crypto.Signer whose public key is ECDSA
// P-521 or Ed25519, and refuse the rest with a *KeyError.
func TestNewSignerKeys(t *testing.T) {
	t.Parallel()
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name  string
		key   crypto.Signer
		keyID string
		alg   string
		err   error // nil: accepted
	}{
		{"Key P-521 from ParseKey", must(ParseKey(readKey(t, "ec-sec1.pem"), nil)), testKeyID, "ecdsa-p521-sha512", nil},
		{"Key Ed25519 from ParseKey", must(ParseKey(readKey(t, "ed25519-pkcs8.pem"), nil)), testKeyID, "ed25519", nil},
		{"*ecdsa.PrivateKey P-521", p521, testKeyID, "ecdsa-p521-sha512", nil},
		{"ed25519.PrivateKey", ed, testKeyID, "ed25519", nil},
		{"KMS-style signer P-521", &kmsSigner{key: p521}, testKeyID, "ecdsa-p521-sha512", nil},
		{"ContextSigner Ed25519", &ctxSigner{kmsSigner: kmsSigner{key: ed}}, testKeyID, "ed25519", nil},
		{"*ecdsa.PrivateKey P-256", p256, testKeyID, "", ErrUnsupportedKey},
		{"*ecdsa.PrivateKey P-384", p384, testKeyID, "", ErrUnsupportedKey},
		{"*rsa.PrivateKey", rawKey(t, "rsa-pkcs8.pem"), testKeyID, "", ErrUnsupportedKey},
		{"KMS-style signer P-256", &kmsSigner{key: p256}, testKeyID, "", ErrUnsupportedKey},
		{"KMS-style signer RSA", &kmsSigner{key: rawKey(t, "rsa-pkcs1.pem")}, testKeyID, "", ErrUnsupportedKey},
		{"ContextSigner P-384", &ctxSigner{kmsSigner: kmsSigner{key: p384}}, testKeyID, "", ErrUnsupportedKey},
		{"nil", nil, testKeyID, "", ErrNoKey},
		{"nil *ecdsa.PrivateKey", (*ecdsa.PrivateKey)(nil), testKeyID, "", ErrNoKey},
		{"nil *Key", (*Key)(nil), testKeyID, "", ErrNoKey},
		{"zero Key", &Key{}, testKeyID, "", ErrNoKey},
		{"empty key id", p521, "", "", ErrSigner},
		{"key id with a quote", p521, `a"b`, "", ErrSigner},
		{"key id with a newline", p521, "a\r\nSignature: x", "", ErrSigner},
		{"key id with a backslash", p521, `a\b`, "", ErrSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSigner(tt.key, tt.keyID)
			// Rotate checks the same way, and a refused key leaves the
			// key in use alone.
			old := must(NewSigner(must(ParseKey(readKey(t, "ed25519-pkcs8.pem"), nil)), "old-key"))
			rerr := old.Rotate(tt.key, tt.keyID)
			if tt.err == nil {
				if err != nil || rerr != nil {
					t.Fatalf("NewSigner: %v, Rotate: %v", err, rerr)
				}
				if s.KeyID() != tt.keyID || s.Algorithm() != tt.alg || old.KeyID() != tt.keyID || old.Algorithm() != tt.alg {
					t.Fatalf("KeyID %q Algorithm %q (after Rotate %q %q)", s.KeyID(), s.Algorithm(), old.KeyID(), old.Algorithm())
				}
				req := newGet(context.Background())
				if err := s.Sign(req, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := verifyReq(req, nil, map[string]crypto.PublicKey{tt.keyID: tt.key.Public()}); err != nil {
					t.Fatalf("signature does not verify: %v", err)
				}
				return
			}
			for _, e := range []error{err, rerr} {
				if !errors.Is(e, tt.err) {
					t.Fatalf("err = %v, want %v", e, tt.err)
				}
				var ke *KeyError
				if tt.err != ErrSigner && !errors.As(e, &ke) {
					t.Fatalf("err = %T %v, want *KeyError", e, e)
				}
			}
			if s != nil {
				t.Fatal("NewSigner returned a Signer with its error")
			}
			if old.KeyID() != "old-key" || old.Algorithm() != "ed25519" {
				t.Fatalf("a refused Rotate changed the key: %q %q", old.KeyID(), old.Algorithm())
			}
			if tt.err == ErrUnsupportedKey && !strings.Contains(err.Error(), "P-521") {
				t.Fatalf("error does not say what is supported: %v", err)
			}
		})
	}
}

// The wire does not depend on how the key is held: the same key as a *Key,
// a bare *ecdsa.PrivateKey or ed25519.PrivateKey, or a KMS-style
// crypto.Signer makes the golden signature-input and a signature that
// verifies. ECDSA signers get the SHA-512 digest of the base and
// crypto.SHA512; Ed25519 signers get the base itself and crypto.Hash(0).
func TestSignThroughCryptoSigners(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(filepath.Join("testdata", "golden", "get-without-query.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wantInput, _, _ := strings.Cut(string(want), "\n")
	for _, file := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		key := must(ParseKey(readKey(t, file), nil))
		raw := rawKey(t, file)
		kms := &kmsSigner{key: raw}
		for _, tc := range []struct {
			name string
			key  crypto.Signer
		}{{"Key", key}, {"raw", raw}, {"kms", kms}, {"kms over Key", &kmsSigner{key: key}}} {
			t.Run(file+"/"+tc.name, func(t *testing.T) {
				s := must(NewSigner(tc.key, testKeyID))
				s.Now, s.Rand = fixedClock, zeroRand{}
				req := newGet(context.Background())
				req.Header.Set("Upvest-Api-Version", "1")
				if err := s.Sign(req, nil); err != nil {
					t.Fatal(err)
				}
				if got := "signature-input: " + req.Header.Get("Signature-Input"); got != wantInput {
					t.Fatalf("signature-input\n got %s\nwant %s", got, wantInput)
				}
				base, err := verifySent(sent{req: req}, key.Public())
				if err != nil {
					t.Fatalf("signature does not verify: %v", err)
				}
				if tc.key != kms {
					return
				}
				if kms.calls.Load() != 1 {
					t.Fatalf("the signer was called %d times", kms.calls.Load())
				}
				wantMsg, wantOpts := []byte(base), crypto.SignerOpts(crypto.Hash(0))
				if key.Algorithm() == "ecdsa-p521-sha512" {
					sum := sha512.Sum512([]byte(base))
					wantMsg, wantOpts = sum[:], crypto.SHA512
				}
				if !bytes.Equal(kms.last, wantMsg) || kms.opts.HashFunc() != wantOpts.HashFunc() {
					t.Fatalf("signer got %d bytes with %v, want %d bytes with %v", len(kms.last), kms.opts.HashFunc(), len(wantMsg), wantOpts.HashFunc())
				}
			})
		}
	}
}

// An ECDSA signer must return ASN.1 DER, as Upvest verifies it: a raw r||s
// (what PKCS#11's CKM_ECDSA returns unwrapped) is refused before it is sent;
// so is a signer's failure, named with the key id.
func TestSignerRefusesWhatCannotVerify(t *testing.T) {
	t.Parallel()
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	boom := errors.New("hsm: token removed")
	tests := []struct {
		name string
		key  crypto.Signer
		sign func() ([]byte, error)
		want string
	}{
		{"raw r||s", p521, func() ([]byte, error) { return make([]byte, 132), nil }, "not an ASN.1 DER"},
		{"DER with trailing bytes", p521, func() ([]byte, error) { return []byte{0x30, 0x06, 2, 1, 1, 2, 1, 1, 0}, nil }, "not an ASN.1 DER"},
		{"empty", p521, func() ([]byte, error) { return nil, nil }, "not an ASN.1 DER"},
		{"short Ed25519", ed, func() ([]byte, error) { return make([]byte, 63), nil }, "not an Ed25519 signature"},
		{"signer error", p521, func() ([]byte, error) { return nil, boom }, "hsm: token removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := must(NewSigner(&kmsSigner{key: tt.key, sign: tt.sign}, testKeyID))
			req := newGet(context.Background())
			err := s.Sign(req, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), testKeyID) {
				t.Fatalf("err = %v, want one naming the key id and %q", err, tt.want)
			}
			if tt.name == "signer error" && !errors.Is(err, boom) {
				t.Fatalf("err = %v does not wrap the signer's", err)
			}
			if req.Header.Get("Signature") != "" || req.Header.Get("Signature-Input") != "" {
				t.Fatal("headers set by a failed Sign")
			}
		})
	}
	// A DER signature with a long-form length (P-521's are 137–139 bytes)
	// passes: the real key's signatures do.
	s := must(NewSigner(p521, testKeyID))
	for range 20 {
		if err := s.Sign(newGet(context.Background()), nil); err != nil {
			t.Fatal(err)
		}
	}
}
