package middleware

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/httpsig"
)

// fixedClock is the clock of the golden files.
var fixedClock = func() time.Time { return time.Unix(1700000000, 0) }

// zeroRand makes the nonce deterministic: 16 zero bytes.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// sent is one request as it reached the network, with its body.
type sent struct {
	req  *http.Request
	body []byte
}

// recorder is a RoundTripper that records what it is given and answers with
// respond.
type recorder struct {
	mu      sync.Mutex
	sent    []sent
	respond func(req *http.Request, body []byte) *http.Response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.sent = append(r.sent, sent{req, body})
	r.mu.Unlock()
	if r.respond != nil {
		return r.respond(req, body), nil
	}
	return jsonResponse(200, `{}`), nil
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.sent...)
}

func jsonResponse(status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
	}
}

// verifySent checks a recorded request as a server would: the body digest
// against the body, then the signature over the base rebuilt from
// signature-input. It returns the base.
func verifySent(s sent, pub any) (string, error) {
	if len(s.body) > 0 && s.req.Header.Get("Content-Digest") != httpsig.ContentDigest(s.body) {
		return "", errors.New("content-digest does not match the body")
	}
	if s.req.Header.Get("Upvest-Signature-Version") != "15" {
		return "", errors.New("upvest-signature-version is not 15")
	}
	ins, err := httpsig.ParseSignatureInput(s.req.Header.Get("Signature-Input"))
	if err != nil {
		return "", err
	}
	if len(ins) != 1 || ins[0].Problem != nil {
		return "", fmt.Errorf("want one usable signature-input member, got %d (%v)", len(ins), ins[0].Problem)
	}
	in := ins[0]
	base, err := httpsig.SignatureBase(s.req, httpsig.V15, in)
	if err != nil {
		return "", err
	}
	sig, err := httpsig.ParseSignature(s.req.Header.Get("Signature"), in.Label)
	if err != nil {
		return "", err
	}
	return string(base), httpsig.Verify(pub, base, sig)
}

func contentDigestOf(b []byte) string { return httpsig.ContentDigest(b) }

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

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
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
