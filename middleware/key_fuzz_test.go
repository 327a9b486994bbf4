package middleware

import (
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// withIterations re-encodes an encrypted PKCS#8 PEM key with another PBKDF2
// iteration count (its ciphertext then no longer decrypts).
func withIterations(t testing.TB, file string, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", file))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	var info encryptedPrivateKeyInfo
	var params pbes2Params
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(block.Bytes, &info); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		t.Fatal(err)
	}
	kdf.IterationCount = n
	params.KeyDerivationFunc.Parameters = asn1.RawValue{FullBytes: mustMarshal(t, kdf)}
	info.Algorithm.Parameters = asn1.RawValue{FullBytes: mustMarshal(t, params)}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: mustMarshal(t, info)})
}

// fuzzMaxIterations bounds the PBKDF2 work of one fuzz input: OpenSSL's
// default count, that of the seed keys. ParseKey's own cap (maxIterations)
// would let a mutated count cost seconds per input.
const fuzzMaxIterations = 2048

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fuzzers' inputs are bounded: a key file asking for the parser's
// maximum of PBKDF2 iterations (which ParseKey still accepts to try) costs
// the fuzz body next to nothing, so that a 10 s fuzz run makes progress.
func TestFuzzInputsAreBounded(t *testing.T) {
	t.Parallel()
	costly := withIterations(t, "ec-pkcs8-encrypted.pem", maxIterations)
	start := time.Now()
	fuzzParseKey(t, costly, []byte(testPassphrase))
	fuzzDecryptPKCS8(t, costly, []byte(testPassphrase))
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("one fuzz input took %s", d)
	}
	// The parser's own cap stays: one more iteration is refused unread.
	_, err := ParseKey(withIterations(t, "ec-pkcs8-encrypted.pem", maxIterations+1), []byte(testPassphrase))
	if !errors.Is(err, ErrMalformedKey) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParseKey: any PEM input and passphrase give a key that signs or a
// *KeyError; never a panic.
func FuzzParseKey(f *testing.F) {
	for _, name := range []string{"ec-sec1.pem", "ec-sec1-encrypted.pem", "ec-pkcs8-encrypted.pem", "ed25519-pkcs8.pem", "rsa-pkcs1.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(testPassphrase))
	}
	f.Fuzz(fuzzParseKey)
}

func fuzzParseKey(t *testing.T, in, pass []byte) {
	k, err := parseKey(in, pass, fuzzMaxIterations)
	if err != nil {
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	if _, err := signBase(k, []byte("x")); err != nil {
		t.Fatalf("parsed key cannot sign: %v", err)
	}
}

// FuzzDecryptPKCS8: any DER and passphrase give PrivateKeyInfo bytes or a
// *KeyError; never a panic.
func FuzzDecryptPKCS8(f *testing.F) {
	for _, name := range []string{"ec-pkcs8-encrypted.pem", "ec-pkcs8-encrypted-aes128-sha1.pem", "ec-pkcs8-encrypted-scrypt.pem", "ed25519-pkcs8-encrypted.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
		if err != nil {
			f.Fatal(err)
		}
		block, _ := pem.Decode(b)
		f.Add(block.Bytes, []byte(testPassphrase))
	}
	f.Fuzz(func(t *testing.T, der, pass []byte) {
		fuzzDecryptPKCS8(t, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), pass)
	})
}

func fuzzDecryptPKCS8(t *testing.T, pemBytes, pass []byte) {
	block, _ := pem.Decode(pemBytes)
	plain, err := decryptPKCS8(block.Bytes, pass, fuzzMaxIterations)
	if err != nil {
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	if len(plain) >= len(block.Bytes) {
		t.Fatalf("%d bytes of plain text from %d of DER", len(plain), len(block.Bytes))
	}
}
