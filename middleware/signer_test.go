package middleware

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/upvest-go/upvest/gen"
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
	signer := &Signer{Key: key, KeyID: testKeyID, Now: fixedClock, Rand: zeroRand{}}
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
			return c.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserId: uid, Type: gen.AccountGroupTypePERSONAL}, IdempotencyKeyEditor(testIdemKey))
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
	for _, keyFile := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		t.Run(keyFile, func(t *testing.T) {
			r := newRig(t, keyFile)
			uid := openapi_types.UUID{}
			_ = uid.UnmarshalText([]byte(testUserID))
			resp, err := r.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserId: uid, Type: gen.AccountGroupTypePERSONAL}, IdempotencyKeyEditor(""))
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
	r := newRig(t, "ed25519-pkcs8.pem")
	tr := r.client.Client.(*http.Client).Transport.(*Transport)
	tr.Signer = &Signer{Key: r.key, KeyID: testKeyID} // real clock and nonces
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
	req, _ := http.NewRequest(http.MethodGet, "https://sandbox.upvest.co/account_groups", nil)
	if err := (&Signer{}).Sign(req, nil); !errors.Is(err, ErrSigner) {
		t.Fatalf("err = %v", err)
	}
	tr := &Transport{Signer: &Signer{}}
	if _, err := tr.RoundTrip(req); !errors.Is(err, ErrNotSigned) || !errors.Is(err, ErrSigner) {
		t.Fatalf("err = %v", err)
	}
}

func TestScopes(t *testing.T) {
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
		got, err := Scopes(tt.method, tt.path)
		var se *ScopeError
		if tt.err != errors.As(err, &se) || strings.Join(got, " ") != tt.want {
			t.Errorf("Scopes(%s %s) = %q, %v", tt.method, tt.path, got, err)
		}
	}
}
