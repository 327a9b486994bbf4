package sandbox_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

// rig calls a sandbox through the middleware, with a hook that can change
// each signed request before it goes out.
type rig struct {
	sb     *sandbox.Sandbox
	url    string
	key    *middleware.Key    // the credentials' key
	keyID  string             // and its id
	signer *middleware.Signer // signs API calls
	tsign  *middleware.Signer // signs token requests
	tokens *middleware.Tokens
	tamper func(*http.Request) *http.Request
	twice  bool   // send each request twice, return the second answer
	bearer string // when set, sent as the token instead of a fetched one
	// noDate drops the answers' Date, so the client cannot learn a clock
	// offset from it and a refusal for the signature's window is seen.
	noDate bool
	user   uuid.UUID
}

func (r *rig) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.tamper != nil {
		// A RoundTripper must not modify the request it is given: the
		// Transport may clone it for its retry after a 401.
		req = r.tamper(req.Clone(req.Context()))
	}
	if r.twice {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		first := req.Clone(req.Context())
		first.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := http.DefaultTransport.RoundTrip(first)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && r.noDate {
		resp.Header.Del("Date")
	}
	return resp, err
}

func newRig(t *testing.T, cfg sandbox.Config) *rig {
	t.Helper()
	in, err := sandbox.Start(cfg, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	sb, srv, creds := in, in, in.Credentials
	key, err := middleware.ParseKey(creds.PrivateKeyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sb: sb, url: srv.URL, user: sb.NewUser(), key: key, keyID: creds.KeyID}
	if r.signer, err = middleware.NewSigner(key, creds.KeyID); err != nil {
		t.Fatal(err)
	}
	if r.tsign, err = middleware.NewSigner(key, creds.KeyID); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.URL)
	r.tokens = &middleware.Tokens{TokenURL: srv.URL + "/auth/token", ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		HTTPClient: &http.Client{Transport: &middleware.Transport{Signer: r.tsign, ClientID: creds.ClientID, BaseURL: base}}}
	// Fetch both tokens now, so that a test changing the signer or the
	// faults changes the API calls only.
	for _, scope := range []string{"accounts:read", "accounts:admin"} {
		if _, err := r.tokens.Token(context.Background(), scope); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// do sends one signed call and returns the status and problem detail.
func (r *rig) do(t *testing.T, ctx context.Context, method, path, body string) (int, string) {
	t.Helper()
	base, _ := url.Parse(r.url)
	tr := &middleware.Transport{Base: r, Signer: r.signer, ClientID: r.sb.ClientID(), Tokens: r.tokens, BaseURL: base}
	if r.bearer != "" {
		tr.Tokens = nil // sign the authorization header set below as is
	}
	hc := &http.Client{Transport: tr}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, r.url+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", middleware.NewIdempotencyKey())
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Detail string `json:"detail"`
		Status int    `json:"status"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("error answer with content type %q", ct)
		}
		if err := json.Unmarshal(b, &p); err != nil || p.Status != resp.StatusCode {
			t.Fatalf("problem %s", b)
		}
	}
	if resp.Header.Get("Upvest-Request-Id") == "" {
		t.Fatal("no upvest-request-id")
	}
	return resp.StatusCode, p.Detail
}

func TestSandboxRefusals(t *testing.T) {
	t.Parallel()
	createBody := func(r *rig) string { return `{"user_id":"` + r.user.String() + `","type":"PERSONAL"}` }
	otherKey, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	tests := []struct {
		name   string
		setup  func(r *rig) context.Context
		method string
		body   bool
		status int
		detail string
	}{
		{"valid", nil, "POST", true, 200, ""},
		{"signed with another key", func(r *rig) context.Context {
			if err := r.signer.Rotate(otherKey, r.keyID); err != nil {
				panic(err)
			}
			return context.Background()
		}, "GET", false, 401, "does not verify with key"},
		{"unknown key id", func(r *rig) context.Context {
			if err := r.signer.Rotate(r.key, "not-uploaded"); err != nil {
				panic(err)
			}
			return context.Background()
		}, "GET", false, 401, `keyid "not-uploaded"`},
		{"tampered body", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				if req.URL.Path != "/account_groups" {
					return req
				}
				b, _ := io.ReadAll(req.Body)
				b = bytes.Replace(b, []byte("PERSONAL"), []byte("PERSONAl"), 1)
				req.Body = io.NopCloser(bytes.NewReader(b))
				return req
			}
			return context.Background()
		}, "POST", true, 401, "content-digest is"},
		{"tampered header", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				if req.URL.Path == "/account_groups" {
					req.Header.Set("Idempotency-Key", middleware.NewIdempotencyKey())
				}
				return req
			}
			return context.Background()
		}, "POST", true, 401, "does not verify"},
		{"valid for too long", func(r *rig) context.Context {
			r.signer.Validity = time.Hour
			return context.Background()
		}, "GET", false, 401, "valid for too long: expires - created is 1h0m0s, the sandbox accepts at most 1m0s"},
		{"expired", func(r *rig) context.Context {
			r.signer.Now, r.noDate = func() time.Time { return time.Now().Add(-time.Minute) }, true
			return context.Background()
		}, "GET", false, 401, "signature expired: expires="},
		{"created in the future", func(r *rig) context.Context {
			r.signer.Now, r.noDate = func() time.Time { return time.Now().Add(time.Minute) }, true
			return context.Background()
		}, "GET", false, 401, "ahead of the server clock"},
		{"replayed nonce", func(r *rig) context.Context {
			r.twice = true
			return context.Background()
		}, "GET", false, 401, "nonce"},
		{"wrong scope", func(r *rig) context.Context {
			return middleware.WithScopes(context.Background(), "accounts:read")
		}, "POST", true, 403, `token scopes "accounts:read" do not allow createAccountGroup`},
		{"query not covered", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				if req.URL.Path == "/account_groups" {
					req.URL.RawQuery = "limit=1"
				}
				return req
			}
			return context.Background()
		}, "GET", false, 401, `does not cover "@query"`},
		{"no client id", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				if req.URL.Path == "/account_groups" {
					req.Header.Del("Upvest-Client-Id")
				}
				return req
			}
			return context.Background()
		}, "GET", false, 401, "upvest-client-id header missing"},
		{"wrong api version", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				req.Header.Set("Upvest-Api-Version", `"1"`)
				return req
			}
			return context.Background()
		}, "GET", false, 406, "upvest-api-version must be 1"},
		{"no signature version", func(r *rig) context.Context {
			r.tamper = func(req *http.Request) *http.Request {
				if req.URL.Path == "/account_groups" {
					req.Header.Del("Upvest-Signature-Version")
				}
				return req
			}
			return context.Background()
		}, "GET", false, 401, "upvest-signature-version header missing"},
		{"unknown bearer token", func(r *rig) context.Context {
			r.bearer = "forged"
			return context.Background()
		}, "GET", false, 401, "bearer token unknown, revoked"},
		{"revoked token", func(r *rig) context.Context {
			tok, _ := r.tokens.Token(context.Background(), "accounts:read")
			r.bearer = tok
			r.sb.RevokeTokens()
			return context.Background()
		}, "GET", false, 401, "bearer token unknown, revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, sandbox.Config{TokenTTL: 30 * time.Minute})
			ctx := context.Background()
			if tt.setup != nil {
				ctx = tt.setup(r)
			}
			body := ""
			if tt.body {
				body = createBody(r)
			}
			status, detail := r.do(t, ctx, tt.method, "/account_groups", body)
			if status != tt.status || !strings.Contains(detail, tt.detail) {
				t.Fatalf("status %d detail %q, want %d containing %q", status, detail, tt.status, tt.detail)
			}
		})
	}
}

// newSandbox starts an in-process sandbox with cfg, closed when t ends.
func newSandbox(t testing.TB, cfg sandbox.Config) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}
