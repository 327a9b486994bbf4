package httpsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// testKeys are one key of each supported algorithm, generated once.
var testKeys = func() map[string]crypto.Signer {
	ec, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]crypto.Signer{"ecdsa-p521-sha512": ec, "ed25519": ed}
}()

func mustKey(t testing.TB, s crypto.Signer) *Key {
	t.Helper()
	k, err := NewKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// recordingSigner is a crypto.Signer that records its arguments; with
// withCtx it is also a context signer.
type recordingSigner struct {
	crypto.Signer
	msg  []byte
	opts crypto.SignerOpts
	ctx  context.Context
}

func (r *recordingSigner) Sign(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	r.msg, r.opts = append([]byte(nil), msg...), opts
	return r.Signer.Sign(rand, msg, opts)
}

type recordingCtxSigner struct{ recordingSigner }

func (r *recordingCtxSigner) SignContext(ctx context.Context, rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	r.ctx = ctx
	return r.recordingSigner.Sign(rand, msg, opts)
}

// The signature-input value is what AppendParams writes, the signature is
// over the base a verifier rebuilds from it, for both styles, both
// algorithms, with and without a nonce.
func TestAppendSignature(t *testing.T) {
	comps := []Component{
		{Name: "@method", Value: "POST"}, {Name: "@path", Value: "/account_groups"}, {Name: "content-type", Value: "application/json"},
		{Name: "content-length", Value: "2"}, {Name: "content-digest", Value: ContentDigest([]byte("{}"))},
	}
	names := make([]string, len(comps))
	for i, c := range comps {
		names[i] = c.Name
	}
	for alg, signer := range testKeys {
		for _, style := range []Style{V15, V6} {
			for _, noNonce := range []bool{false, true} {
				name := alg + map[Style]string{V15: "/v15", V6: "/v6"}[style] + map[bool]string{false: "/nonce", true: "/no-nonce"}[noNonce]
				t.Run(name, func(t *testing.T) {
					rec := &recordingSigner{Signer: signer}
					key := mustKey(t, rec)
					if key.Algorithm().String() != alg {
						t.Fatalf("Algorithm() = %v", key.Algorithm())
					}
					in := &Input{Style: style, Components: comps, KeyID: "kid-1", Created: 1700000000, Expires: 1700000030, NoNonce: noNonce}
					prefix := []byte("kept|")
					out, split, err := AppendSignature(context.Background(), prefix, key, zeroReader{}, in)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.HasPrefix(out, prefix) {
						t.Fatalf("dst not kept: %q", out)
					}
					input, signature := string(out[len(prefix):split]), string(out[split:])
					want := "sig1=" + string(AppendParams(nil, &Params{Names: names, KeyID: "kid-1", Created: 1700000000, Expires: 1700000030, Nonce: "AAAAAAAAAAAAAAAAAAAAAA"}))
					if noNonce {
						want = strings.TrimSuffix(want, `;nonce="AAAAAAAAAAAAAAAAAAAAAA"`)
					}
					if input != want {
						t.Fatalf("signature-input\n got %s\nwant %s", input, want)
					}
					parsed, err := ParseSignatureInput(input)
					if err != nil || len(parsed) != 1 || parsed[0].Problem != nil {
						t.Fatal(parsed, err)
					}
					base := AppendBase(nil, style, comps, parsed[0].Raw)
					sig, err := ParseSignature(signature, "sig1")
					if err != nil {
						t.Fatal(err)
					}
					if err := Verify(signer.Public(), base, sig); err != nil {
						t.Fatalf("signature does not verify: %v", err)
					}
					wantMsg, wantHash := base, crypto.Hash(0)
					if alg == "ecdsa-p521-sha512" {
						sum := sha512.Sum512(base)
						wantMsg, wantHash = sum[:], crypto.SHA512
					}
					if !bytes.Equal(rec.msg, wantMsg) || rec.opts.HashFunc() != wantHash {
						t.Fatalf("signer got %q with %v", rec.msg, rec.opts.HashFunc())
					}
					// Sign returns the same two values.
					in2, sig2, err := Sign(context.Background(), key, zeroReader{}, in)
					if err != nil || in2 != input || !strings.HasPrefix(sig2, "sig1=:") || !strings.HasSuffix(sig2, ":") {
						t.Fatalf("Sign = %q, %q, %v", in2, sig2, err)
					}
				})
			}
		}
	}
}

// A signer with SignContext gets the context; a plain one is called with
// Sign. A nil nonce reader is crypto/rand: two signatures differ in nonce.
func TestSignDispatchAndNonces(t *testing.T) {
	ctxSigner := &recordingCtxSigner{recordingSigner{Signer: testKeys["ed25519"]}}
	key := mustKey(t, ctxSigner)
	type k struct{}
	ctx := context.WithValue(context.Background(), k{}, "mine")
	in := &Input{Components: []Component{{Name: "@method", Value: "GET"}}, KeyID: "kid"}
	a, _, err := Sign(ctx, key, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if ctxSigner.ctx == nil || ctxSigner.ctx.Value(k{}) != "mine" {
		t.Fatal("SignContext did not get the context")
	}
	b, _, err := Sign(ctx, key, nil, in)
	if err != nil || a == b {
		t.Fatalf("two signatures with the same signature-input %q: %v", a, err)
	}
	// A failing nonce source fails the signature; with NoNonce it is not read.
	if _, _, err := Sign(ctx, key, iotest.ErrReader(errors.New("no entropy")), in); err == nil || !strings.Contains(err.Error(), "no entropy") {
		t.Fatalf("err = %v", err)
	}
	noNonce := *in
	noNonce.NoNonce = true
	if _, _, err := Sign(ctx, key, iotest.ErrReader(errors.New("no entropy")), &noNonce); err != nil {
		t.Fatal(err)
	}
	// A signer's error comes back as is.
	boom := errors.New("boom")
	bad := mustKey(t, failingSigner{testKeys["ed25519"], boom})
	if _, _, err := Sign(ctx, bad, nil, in); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

type failingSigner struct {
	crypto.Signer
	err error
}

func (f failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, f.err }

func TestAlgorithmOf(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name   string
		pub    crypto.PublicKey
		want   Algorithm
		reason string
	}{
		{"P-521", testKeys["ecdsa-p521-sha512"].Public(), ECDSAP521SHA512, ""},
		{"Ed25519", testKeys["ed25519"].Public(), Ed25519, ""},
		{"P-256", p256.Public(), 0, "curve P-256"},
		{"P-384", p384.Public(), 0, "curve P-384"},
		{"RSA", rsaKey.Public(), 0, "*rsa.PublicKey"},
		{"short Ed25519", ed25519.PublicKey(make([]byte, 31)), 0, "31 bytes"},
		{"ECDSA without a curve", &ecdsa.PublicKey{}, 0, "without a curve"},
		{"nil *ecdsa.PublicKey", (*ecdsa.PublicKey)(nil), 0, "without a curve"},
		{"nil", nil, 0, "no public key"},
		{"ecdsa.PublicKey by value", *p256.Public().(*ecdsa.PublicKey), 0, "ecdsa.PublicKey"},
	}
	for _, tt := range tests {
		got, err := AlgorithmOf(tt.pub)
		var ue *UnsupportedKeyError
		switch {
		case tt.want != 0 && (got != tt.want || err != nil):
			t.Errorf("%s: %v, %v", tt.name, got, err)
		case tt.want == 0 && (!errors.As(err, &ue) || !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(ue.Reason, tt.reason)):
			t.Errorf("%s: err = %v, want an UnsupportedKeyError naming %q", tt.name, err, tt.reason)
		}
	}
	for _, s := range []crypto.Signer{nil, (*ecdsa.PrivateKey)(nil), p256, rsaKey} {
		if _, err := NewKey(s); !errors.Is(err, ErrUnsupportedKey) {
			t.Errorf("NewKey(%T) = %v", s, err)
		}
	}
}

// An ECDSA signature must be ASN.1 DER, an Ed25519 one 64 bytes.
func TestCheckSignature(t *testing.T) {
	digest := sha512.Sum512([]byte("x"))
	good, err := testKeys["ecdsa-p521-sha512"].Sign(rand.Reader, digest[:], crypto.SHA512)
	if err != nil {
		t.Fatal(err)
	}
	short := []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}
	tests := []struct {
		name string
		alg  Algorithm
		sig  []byte
		ok   bool
	}{
		{"P-521 DER", ECDSAP521SHA512, good, true},
		{"short-form DER", ECDSAP521SHA512, short, true},
		{"raw r||s", ECDSAP521SHA512, make([]byte, 132), false},
		{"trailing byte", ECDSAP521SHA512, append(append([]byte(nil), short...), 0), false},
		{"truncated", ECDSAP521SHA512, good[:len(good)-1], false},
		{"non-minimal length", ECDSAP521SHA512, []byte{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, false},
		{"indefinite length", ECDSAP521SHA512, []byte{0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0, 0}, false},
		{"empty integer", ECDSAP521SHA512, []byte{0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01}, false},
		{"one integer", ECDSAP521SHA512, []byte{0x30, 0x03, 0x02, 0x01, 0x01}, false},
		{"three integers", ECDSAP521SHA512, []byte{0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, false},
		{"not a sequence", ECDSAP521SHA512, []byte{0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, false},
		{"empty", ECDSAP521SHA512, nil, false},
		{"Ed25519", Ed25519, make([]byte, 64), true},
		{"Ed25519 short", Ed25519, make([]byte, 63), false},
	}
	for _, tt := range tests {
		if err := checkSignature(tt.alg, tt.sig); (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

// Sign allocates the header values' string and what the signer itself
// allocates (one signature for Ed25519), nothing per call besides.
func TestSignAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	key := mustKey(t, testKeys["ed25519"])
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		// Built per call in a stack array, as middleware.Signer does: a
		// parameter of Sign that leaked would move it to the heap.
		var arr [4]Component
		comps := append(arr[:0], Component{Name: "@method", Value: "GET"}, Component{Name: "@path", Value: "/account_groups"},
			Component{Name: "accept", Value: "application/json"})
		in := Input{Style: V15, Components: comps, KeyID: "kid", Created: 1, Expires: 2}
		if _, _, err := Sign(ctx, key, zeroReader{}, &in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Fatalf("Sign allocates %v times per call, want at most 2", allocs)
	}
}

// A key id is written as a structured-field string: quotes and backslashes
// escaped; one that is not printable ASCII is refused.
func TestSignKeyIDs(t *testing.T) {
	key := mustKey(t, testKeys["ed25519"])
	in := &Input{Style: V15, Components: []Component{{Name: "@method", Value: "GET"}}, KeyID: `a"b\c`, Created: 1, Expires: 2, NoNonce: true}
	input, _, err := Sign(t.Context(), key, nil, in)
	if err != nil || input != `sig1=("@method");keyid="a\"b\\c";created=1;expires=2` {
		t.Fatalf("%s, %v", input, err)
	}
	if got, err := parseFirst(input); err != nil || got.KeyID != in.KeyID {
		t.Fatalf("parsed back as %q, %v", got.KeyID, err)
	}
	in.KeyID = "k\xe9"
	if _, _, err := Sign(t.Context(), key, nil, in); !errors.Is(err, errKeyID) {
		t.Fatalf("err = %v", err)
	}
}
