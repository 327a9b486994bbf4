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
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/httpsig"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	testClientID = "ebabcf4d-61c3-4942-875c-e265a7c2d062"
	testSecret   = "s3cr3t-client-secret-value"
	testKeyID    = "d5b1a2f0-7c4e-4c1e-9f7a-1b2c3d4e5f60"
	testGroupID  = "9d95820d-4333-46b6-98de-04ab7512e76f"
	testUserID   = "413715f2-5401-4b97-8055-034a6b879f8c"
	testIdemKey  = "f1150421-2e34-42b6-aae9-52ef157065b9"
)

// rig is a Transport wired like the facade wires it, over recorders.
type rig struct {
	key    *Key
	api    *recorder // API calls
	token  *recorder // token calls
	tokens *Tokens
	client *gen.Client
}

func newRig(t *testing.T, keyFile string) *rig {
	t.Helper()
	key, err := ParseKey(readKey(t, keyFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewSigner(key, testKeyID)
	if err != nil {
		t.Fatal(err)
	}
	signer.Now, signer.Rand = fixedClock, zeroRand{}
	base, _ := url.Parse("https://sandbox.upvest.co")
	r := &rig{key: key, api: &recorder{}, token: &recorder{}}
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		form, _ := url.ParseQuery(string(body))
		return jsonResponse(200, `{"access_token":"token-for-`+strings.ReplaceAll(form.Get("scope"), " ", "+")+`","expires_in":1799,"token_type":"bearer","scope":"`+form.Get("scope")+`"}`)
	}
	r.tokens = &Tokens{
		TokenURL:     base.String() + "/auth/token",
		ClientID:     testClientID,
		ClientSecret: testSecret,
		HTTPClient:   &http.Client{Transport: &Transport{Base: r.token, Signer: signer, ClientID: testClientID, BaseURL: base}},
	}
	hc := &http.Client{Transport: &Transport{Base: r.api, Signer: signer, ClientID: testClientID, Tokens: r.tokens, BaseURL: base}}
	r.client, err = gen.NewClient(base.String(), gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./middleware -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestSignatureGolden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gid := openapi_types.UUID{}
	_ = gid.UnmarshalText([]byte(testGroupID))
	uid := openapi_types.UUID{}
	_ = uid.UnmarshalText([]byte(testUserID))
	limit, offset := gen.Limit(2), gen.Offset(4)
	calls := []struct {
		name string
		call func(c *gen.Client) (*http.Response, error)
	}{
		{"get-without-query", func(c *gen.Client) (*http.Response, error) { return c.GetAccountGroup(ctx, gid) }},
		{"get-with-query", func(c *gen.Client) (*http.Response, error) {
			return c.ListAccountGroups(ctx, &gen.ListAccountGroupsParams{Limit: &limit, Offset: &offset})
		}},
		{"post-with-body", func(c *gen.Client) (*http.Response, error) {
			return c.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserID: uid, Type: gen.AccountGroupTypePersonal}, IdempotencyKeyEditor(testIdemKey))
		}},
	}
	for _, keyFile := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		for _, c := range calls {
			t.Run(keyFile+"/"+c.name, func(t *testing.T) {
				r := newRig(t, keyFile)
				resp, err := c.call(r.client)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				s := r.api.all()[0]
				base, err := verifySent(s, r.key.Public())
				if err != nil {
					t.Fatalf("signature: %v\nbase:\n%s", err, base)
				}
				if keyFile == "ec-sec1.pem" {
					golden(t, c.name, "signature-input: "+s.req.Header.Get("Signature-Input")+"\n\n"+base+"\n")
				}
				// The token call that preceded it is signed too.
				tok := r.token.all()[0]
				tbase, err := verifySent(tok, r.key.Public())
				if err != nil {
					t.Fatalf("token request signature: %v", err)
				}
				if keyFile == "ec-sec1.pem" && c.name == "get-without-query" {
					golden(t, "token-request", "signature-input: "+tok.req.Header.Get("Signature-Input")+"\n\n"+tbase+"\n")
				}
			})
		}
	}
}

// Tampering one covered header or one body byte breaks the signature.
func TestTamperingBreaksSignature(t *testing.T) {
	t.Parallel()
	for _, keyFile := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		t.Run(keyFile, func(t *testing.T) {
			r := newRig(t, keyFile)
			uid := openapi_types.UUID{}
			_ = uid.UnmarshalText([]byte(testUserID))
			resp, err := r.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: uid, Type: gen.AccountGroupTypePersonal}, IdempotencyKeyEditor(""))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			orig := r.api.all()[0]
			if _, err := verifySent(orig, r.key.Public()); err != nil {
				t.Fatalf("untampered request fails: %v", err)
			}
			tamper := map[string]func(s *sent){
				"idempotency-key":  func(s *sent) { s.req.Header.Set("Idempotency-Key", NewIdempotencyKey()) },
				"upvest-client-id": func(s *sent) { s.req.Header.Set("Upvest-Client-Id", "00000000-0000-4000-8000-000000000000") },
				"authorization":    func(s *sent) { s.req.Header.Set("Authorization", "Bearer other") },
				"accept":           func(s *sent) { s.req.Header.Set("Accept", "text/html") },
				"method":           func(s *sent) { s.req.Method = "PUT" },
				"path":             func(s *sent) { s.req.URL.Path = "/account_groups/x" },
				"one body byte":    func(s *sent) { s.body[len(s.body)/2] ^= 1 },
				"body and digest": func(s *sent) {
					s.body[len(s.body)/2] ^= 1
					s.req.Header.Set("Content-Digest", contentDigestOf(s.body))
				},
			}
			for name, f := range tamper {
				t.Run(name, func(t *testing.T) {
					s := sent{req: orig.req.Clone(context.Background()), body: append([]byte(nil), orig.body...)}
					f(&s)
					if _, err := verifySent(s, r.key.Public()); err == nil {
						t.Fatal("tampered request still verifies")
					}
				})
			}
		})
	}
}

// Every attempt gets a fresh created time and nonce, and the transport
// leaves the caller's request alone.
func TestFreshSignaturePerAttemptAndNoMutation(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	tr := r.client.Client.(*http.Client).Transport.(*Transport)
	tr.Signer = must(NewSigner(r.key, testKeyID)) // real clock and nonces
	req, _ := http.NewRequest(http.MethodPost, "https://sandbox.upvest.co/account_groups", strings.NewReader(`{"a":1}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", testIdemKey)
	before := req.Header.Clone()
	for i := 0; i < 2; i++ {
		if i == 1 {
			req.Body, _ = req.GetBody()
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if len(req.Header) != len(before) || req.Header.Get("Signature") != "" || req.Header.Get("Authorization") != "" {
		t.Fatalf("caller's request was modified: %v", req.Header)
	}
	s := r.api.all()
	n0, n1 := s[0].req.Header.Get("Signature-Input"), s[1].req.Header.Get("Signature-Input")
	if n0 == n1 {
		t.Fatal("two attempts carry the same signature-input (nonce reused)")
	}
	for _, x := range s {
		if x.req.GetBody != nil {
			t.Fatal("signed request reaches the network with GetBody set: net/http could replay it")
		}
		if x.req.ContentLength != int64(len(x.body)) {
			t.Fatalf("content length %d, body %d", x.req.ContentLength, len(x.body))
		}
		if _, err := verifySent(x, r.key.Public()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRedirectElsewhereIsNotSigned(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ec-sec1.pem")
	tr := r.client.Client.(*http.Client).Transport.(*Transport)
	req, _ := http.NewRequest(http.MethodGet, "https://elsewhere.example/account_groups", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := r.api.all()[0].req.Header
	for _, name := range []string{"Authorization", "Signature", "Signature-Input", "Upvest-Client-Id"} {
		if h.Get(name) != "" {
			t.Errorf("%s sent to another host", name)
		}
	}
	if len(r.token.all()) != 0 {
		t.Error("a token was fetched for another host")
	}
}

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

func TestScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, want string
		err                bool
	}{
		{"GET", "/account_groups", "accounts:read", false},
		{"GET", "/account_groups/" + testGroupID, "accounts:read", false},
		{"GET", "/users/" + testUserID + "/account_groups", "accounts:read", false},
		{"POST", "/account_groups", "accounts:admin", false},
		{"DELETE", "/account_groups/" + testGroupID, "accounts:admin", false},
		{"GET", "/auth/verify_keys", "webhooks:read", false},
		{"POST", "/auth/token", "", false},
		{"PUT", "/account_groups", "", true},
		{"GET", "/account_groups/a/b", "", true},
		{"GET", "/users//account_groups", "", true},
	}
	for _, tt := range tests {
		var got []string
		r, err := lookup(tt.method, tt.path)
		if err == nil {
			got = r.Scopes
		}
		var se *ScopeError
		if tt.err != errors.As(err, &se) || strings.Join(got, " ") != tt.want {
			t.Errorf("Scopes(%s %s) = %q, %v", tt.method, tt.path, got, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
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

// kmsSigner stands for a key held elsewhere (a KMS, an HSM, an agent): it
// is seen only through crypto.Signer, and it records what it is asked.
type kmsSigner struct {
	key   crypto.Signer
	calls atomic.Int64
	mu    sync.Mutex
	last  []byte                 // the last digest (or message) signed
	opts  crypto.SignerOpts      // and its options
	sign  func() ([]byte, error) // when set, answers instead of key
}

func (s *kmsSigner) Public() crypto.PublicKey { return s.key.Public() }

func (s *kmsSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.calls.Add(1)
	s.mu.Lock()
	s.last, s.opts = append([]byte(nil), digest...), opts
	s.mu.Unlock()
	if s.sign != nil {
		return s.sign()
	}
	return s.key.Sign(rand, digest, opts)
}

// ctxSigner is a ContextSigner: a remote signer that answers after delay,
// or when its context ends.
type ctxSigner struct {
	kmsSigner
	delay       time.Duration
	ctxCalls    atomic.Int64
	sawDeadline atomic.Bool
	sawValue    atomic.Value
}

type ctxKey struct{}

func (s *ctxSigner) SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.ctxCalls.Add(1)
	_, ok := ctx.Deadline()
	s.sawDeadline.Store(ok)
	if v := ctx.Value(ctxKey{}); v != nil {
		s.sawValue.Store(v)
	}
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("kms: %w", ctx.Err())
	case <-time.After(s.delay):
	}
	return s.key.Sign(rand, digest, opts)
}

var _ ContextSigner = (*ctxSigner)(nil)

// newGet is a signed call's request before signing, as Transport hands it
// to Sign.
func newGet(ctx context.Context) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://sandbox.upvest.co/account_groups/"+testGroupID, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer token")
	req.Header.Set("Upvest-Client-Id", testClientID)
	return req
}

// verifyReq checks req's signature with the public key of the key id it
// names, and returns that id.
func verifyReq(req *http.Request, body []byte, pubs map[string]crypto.PublicKey) (string, error) {
	ins, err := httpsig.ParseSignatureInput(req.Header.Get("Signature-Input"))
	if err != nil {
		return "", err
	}
	in := ins[0]
	pub, ok := pubs[in.KeyID]
	if !ok {
		return in.KeyID, fmt.Errorf("unknown key id %q", in.KeyID)
	}
	_, err = verifySent(sent{req: req, body: body}, pub)
	return in.KeyID, err
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

// A ContextSigner is called through SignContext with the request's
// context: its deadline bounds the call. A plain crypto.Signer is called
// through Sign as it is.
func TestContextSignerDeadline(t *testing.T) {
	t.Parallel()
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	slow := &ctxSigner{kmsSigner: kmsSigner{key: p521}, delay: time.Minute}
	s := must(NewSigner(slow, testKeyID))

	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ctxKey{}, "the request's"), 50*time.Millisecond)
	defer cancel()
	req := newGet(ctx)
	start := time.Now()
	err := s.Sign(req, nil)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if took > 5*time.Second {
		t.Fatalf("Sign took %v with a 50ms deadline", took)
	}
	if slow.ctxCalls.Load() != 1 || slow.calls.Load() != 0 {
		t.Fatalf("SignContext called %d times, Sign %d times", slow.ctxCalls.Load(), slow.calls.Load())
	}
	if !slow.sawDeadline.Load() || slow.sawValue.Load() != "the request's" {
		t.Fatal("SignContext did not get the request's context")
	}
	if req.Header.Get("Signature") != "" {
		t.Fatal("signature set after a failed signing")
	}

	// Through the Transport: the attempt fails as not sent, the deadline
	// named.
	tr := &Transport{Base: &recorder{}, Signer: s, ClientID: testClientID, BaseURL: must(url.Parse("https://sandbox.upvest.co"))}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	treq := newGet(ctx2)
	if _, err := tr.RoundTrip(treq); !errors.Is(err, ErrNotSigned) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RoundTrip err = %v", err)
	}

	// In time: the signature is made and verifies.
	quick := &ctxSigner{kmsSigner: kmsSigner{key: p521}, delay: time.Millisecond}
	if err := s.Rotate(quick, testKeyID); err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel3()
	req = newGet(ctx3)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyReq(req, nil, map[string]crypto.PublicKey{testKeyID: p521.Public()}); err != nil {
		t.Fatal(err)
	}

	// A plain crypto.Signer is called as it is, even with a deadline.
	plain := &kmsSigner{key: p521}
	if err := s.Rotate(plain, testKeyID); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(newGet(ctx3), nil); err != nil || plain.calls.Load() != 1 {
		t.Fatalf("plain signer: %v, %d calls", err, plain.calls.Load())
	}
}

// 64 goroutines sign while the key rotates between two keys of different
// algorithms: every signature verifies with the key its keyid names, and
// both key ids are seen.
func TestRotateUnderConcurrentSigning(t *testing.T) {
	t.Parallel()
	keyA := must(ParseKey(readKey(t, "ec-sec1.pem"), nil))
	_, keyB, _ := ed25519.GenerateKey(rand.Reader)
	pubs := map[string]crypto.PublicKey{"key-a": keyA.Public(), "key-b": keyB.Public()}
	s := must(NewSigner(keyA, "key-a"))

	const workers, perWorker = 64, 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
		done = make(chan struct{})
		rot  sync.WaitGroup
	)
	rot.Add(1)
	go func() { // the rotator
		defer rot.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			key, id := crypto.Signer(keyA), "key-a"
			if i%2 == 1 {
				key, id = keyB, "key-b"
			}
			if err := s.Rotate(key, id); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(100 * time.Microsecond) // paces the rotations between signatures
		}
	}()
	body := []byte(`{"user_id":"` + testUserID + `","type":"PERSONAL"}`)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				var req *http.Request
				var sentBody []byte
				if (w+i)%2 == 0 {
					req = newGet(context.Background())
				} else {
					req, _ = http.NewRequest(http.MethodPost, "https://sandbox.upvest.co/account_groups", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Upvest-Client-Id", testClientID)
					sentBody = body
				}
				if err := s.Sign(req, sentBody); err != nil {
					t.Error(err)
					return
				}
				id, err := verifyReq(req, sentBody, pubs)
				if err != nil {
					t.Errorf("signature naming %q: %v", id, err)
					return
				}
				mu.Lock()
				seen[id]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	rot.Wait()
	if seen["key-a"] == 0 || seen["key-b"] == 0 || seen["key-a"]+seen["key-b"] != workers*perWorker {
		t.Fatalf("signatures per key id: %v", seen)
	}
}

// A signing already under way when Rotate returns finishes with the key it
// loaded, and names that key's id; the next one uses the new key.
func TestRotateDuringASignature(t *testing.T) {
	t.Parallel()
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := &kmsSigner{key: oldKey}
	blocking.sign = func() ([]byte, error) {
		close(entered)
		<-release
		blocking.mu.Lock()
		defer blocking.mu.Unlock()
		return oldKey.Sign(nil, blocking.last, crypto.Hash(0))
	}
	s := must(NewSigner(blocking, "old"))
	req := newGet(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Sign(req, nil) }()
	<-entered
	if err := s.Rotate(newKey, "new"); err != nil {
		t.Fatal(err)
	}
	if s.KeyID() != "new" {
		t.Fatalf("KeyID() = %q after Rotate", s.KeyID())
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	pubs := map[string]crypto.PublicKey{"old": oldKey.Public(), "new": newKey.Public()}
	if id, err := verifyReq(req, nil, pubs); id != "old" || err != nil {
		t.Fatalf("the signature under way names %q: %v", id, err)
	}
	next := newGet(context.Background())
	if err := s.Sign(next, nil); err != nil {
		t.Fatal(err)
	}
	if id, err := verifyReq(next, nil, pubs); id != "new" || err != nil {
		t.Fatalf("the next signature names %q: %v", id, err)
	}
}

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
