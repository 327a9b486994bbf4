package middleware

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/internal/httpsig"
)

const testPassphrase = "test-passphrase"

func readKey(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The keys in testdata/keys were made with OpenSSL 3 (see testdata/keys/README.md).
func TestParseKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		passphrase string
		algorithm  string
		err        error
	}{
		{"ec-sec1.pem", "", "ecdsa-p521-sha512", nil},
		{"ec-sec1-with-params.pem", "", "ecdsa-p521-sha512", nil},
		{"ec-sec1-encrypted.pem", testPassphrase, "ecdsa-p521-sha512", nil},
		{"ec-pkcs8.pem", "", "ecdsa-p521-sha512", nil},
		{"ec-pkcs8-encrypted.pem", testPassphrase, "ecdsa-p521-sha512", nil},
		{"ec-pkcs8-encrypted-aes128-sha1.pem", testPassphrase, "ecdsa-p521-sha512", nil},
		{"ed25519-pkcs8.pem", "", "ed25519", nil},
		{"ed25519-pkcs8-encrypted.pem", testPassphrase, "ed25519", nil},
		// A passphrase for an unencrypted key is ignored.
		{"ec-pkcs8.pem", "not needed", "", ErrPassphraseNotNeeded},
		{"ec-sec1.pem", "not needed", "", ErrPassphraseNotNeeded},

		{"ec-sec1-encrypted.pem", "Hunter2-not-it", "", ErrWrongPassphrase},
		{"ec-pkcs8-encrypted.pem", "Hunter2-not-it", "", ErrWrongPassphrase},
		{"ed25519-pkcs8-encrypted.pem", "Hunter2-not-it", "", ErrWrongPassphrase},
		{"ec-sec1-encrypted.pem", "", "", ErrPassphraseRequired},
		{"ec-pkcs8-encrypted.pem", "", "", ErrPassphraseRequired},
		{"ec-p256-sec1.pem", "", "", ErrUnsupportedKey},
		{"ec-p256-pkcs8.pem", "", "", ErrUnsupportedKey},
		{"ec-p384-sec1.pem", "", "", ErrUnsupportedKey},
		{"ec-secp256k1-sec1.pem", "", "", ErrUnsupportedKey},
		{"rsa-pkcs8.pem", "", "", ErrUnsupportedKey},
		{"rsa-pkcs1.pem", "", "", ErrUnsupportedKey},
		{"ec-pkcs8-encrypted-scrypt.pem", testPassphrase, "", ErrUnsupportedEncryption},
		{"ec-public.pem", "", "", ErrNoPEM},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.file, tt.passphrase), func(t *testing.T) {
			k, err := ParseKey(readKey(t, tt.file), []byte(tt.passphrase))
			if tt.err != nil {
				var ke *KeyError
				if !errors.Is(err, tt.err) || !errors.As(err, &ke) {
					t.Fatalf("err = %v, want *KeyError wrapping %v", err, tt.err)
				}
				if tt.passphrase != "" && strings.Contains(err.Error(), tt.passphrase) {
					t.Fatalf("error mentions the passphrase: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if k.Algorithm() != tt.algorithm {
				t.Fatalf("algorithm = %s, want %s", k.Algorithm(), tt.algorithm)
			}
			base := []byte("\"@method\": GET")
			sig, err := signBase(k, base)
			if err != nil {
				t.Fatal(err)
			}
			if err := httpsig.Verify(k.Public(), base, sig); err != nil {
				t.Fatalf("signature does not verify: %v", err)
			}
		})
	}
}

func TestParseKeyGarbage(t *testing.T) {
	t.Parallel()
	good := readKey(t, "ec-sec1.pem")
	mangled := bytes.Replace(good, []byte("\n"), []byte("\n!"), 3)
	truncated := good[:len(good)/2]
	inputs := map[string][]byte{
		"empty":               nil,
		"text":                []byte("hello, I am not a key"),
		"mangled":             mangled,
		"truncated":           truncated,
		"bad der":             []byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"),
		"bad pkcs8":           []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"bad encrypted pkcs8": []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var passphrase []byte
			if strings.Contains(name, "encrypted") {
				passphrase = []byte("x")
			}
			_, err := ParseKey(in, passphrase)
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v, want *KeyError", err)
			}
			if !errors.Is(err, ErrNoPEM) && !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("err = %v, want ErrNoPEM or ErrMalformedKey", err)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	k, err := ParseKey(readKey(t, "ec-p256-sec1.pem"), nil)
	if err == nil {
		t.Fatal("P-256 accepted")
	}
	_ = k
	if _, err := NewKey("not a key"); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("err = %v", err)
	}
	_, edPriv, _ := ed25519.GenerateKey(nil)
	if k, err := NewKey(edPriv); err != nil || k.Algorithm() != "ed25519" {
		t.Fatalf("ed25519: %v", err)
	}
	var zero *Key
	if _, err := zero.Sign(rand.Reader, []byte("x"), crypto.Hash(0)); !errors.Is(err, ErrNoKey) {
		t.Fatalf("nil key signed: %v", err)
	}
	if _, err := (&Key{}).Sign(rand.Reader, []byte("x"), crypto.Hash(0)); !errors.Is(err, ErrNoKey) {
		t.Fatalf("zero key signed: %v", err)
	}
}

// signBase signs a signature base with k used as a crypto.Signer, as
// Upvest wants: ECDSA over SHA-512(base), Ed25519 over base itself.
func signBase(k crypto.Signer, base []byte) ([]byte, error) {
	if _, ok := k.Public().(ed25519.PublicKey); ok {
		return k.Sign(rand.Reader, base, crypto.Hash(0))
	}
	sum := sha512.Sum512(base)
	return k.Sign(rand.Reader, sum[:], crypto.SHA512)
}

// A Key is a crypto.Signer whose signatures are what the standard library's
// keys make: ASN.1 DER over the digest for ECDSA (checked with
// ecdsa.VerifyASN1), the message itself for Ed25519.
func TestKeyIsACryptoSigner(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"ec-sec1.pem", "ec-pkcs8.pem", "ed25519-pkcs8.pem"} {
		t.Run(file, func(t *testing.T) {
			k, err := ParseKey(readKey(t, file), nil)
			if err != nil {
				t.Fatal(err)
			}
			var s crypto.Signer = k
			msg := []byte("\"@method\": POST\n\"@signature-params\": ()")
			switch pub := s.Public().(type) {
			case *ecdsa.PublicKey:
				sum := sha512.Sum512(msg)
				sig, err := s.Sign(rand.Reader, sum[:], crypto.SHA512)
				if err != nil || !ecdsa.VerifyASN1(pub, sum[:], sig) {
					t.Fatalf("ECDSA signature does not verify: %v", err)
				}
				// A nil rand is crypto/rand.
				if sig, err := s.Sign(nil, sum[:], crypto.SHA512); err != nil || !ecdsa.VerifyASN1(pub, sum[:], sig) {
					t.Fatalf("ECDSA signature with nil rand: %v", err)
				}
			case ed25519.PublicKey:
				sig, err := s.Sign(nil, msg, crypto.Hash(0))
				if err != nil || !ed25519.Verify(pub, msg, sig) {
					t.Fatalf("Ed25519 signature does not verify: %v", err)
				}
				if _, err := s.Sign(nil, msg, crypto.SHA256); err == nil {
					t.Fatal("Ed25519 signed a message with a SHA-256 option")
				}
			default:
				t.Fatalf("Public() = %T", pub)
			}
		})
	}
}

// TestIdempotencyKeyPattern checks isIdempotencyKey against the published
// regular expression itself on generated and hand-picked keys.
func TestIdempotencyKeyPattern(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(idempotencyKeyPattern)
	cases := []string{"", "-", "f1150421-2e34-42b6-aae9-52ef157065b9", "f11504212e3442b6aae952ef157065b9", "F1150421-2E34-52B6-BAE9-52EF157065B9",
		"f1150421-2e34-62b6-aae9-52ef157065b9", "f1150421-2e34-42b6-cae9-52ef157065b9", "f1150421--2e34-42b6-aae9-52ef157065b9",
		"f1150421-2e34-42b6-aae9-52ef157065b9-", "-f1150421-2e34-42b6-aae9-52ef157065b9", "f1150421-2e3442b6aae9-52ef157065b9",
		"g1150421-2e34-42b6-aae9-52ef157065b9", "f1150421-2e34-42b6-aae9-52ef157065b9\n", NewIdempotencyKey()}
	for i := 0; i < 2000; i++ {
		b := []byte(NewIdempotencyKey())
		b[i%36] = "0123456789abcdefABCDEF-xg"[i%25]
		cases = append(cases, string(b), strings.ReplaceAll(string(b), "-", ""))
	}
	for _, c := range cases {
		if got, want := isIdempotencyKey(c), re.MatchString(c); got != want {
			t.Errorf("isIdempotencyKey(%q) = %v, the pattern says %v", c, got, want)
		}
	}
}
