package contracttest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/openapi"
	"github.com/upvest-go/upvest/sandbox"
)

// world is a sandbox behind the validator (contracttest.Validator.Handler,
// strict, knowing every token it saw issued), and a generated client signing
// through the middleware, with a hook to spoil a request on purpose.
type world struct {
	sb     *sandbox.Sandbox
	v      *contracttest.Validator
	rec    *contracttest.Recorder
	doc    *openapi3.T // the document, to list its documented statuses
	url    string
	client *gen.Client
	// tokenClient signs raw token requests.
	tokenClient *http.Client
	user        uuid.UUID

	mu     sync.Mutex
	tamper func(*http.Request)
}

func (w *world) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	f := w.tamper
	w.mu.Unlock()
	if f != nil && req.URL.Path != "/auth/token" {
		f(req)
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (w *world) setTamper(f func(*http.Request)) {
	w.mu.Lock()
	w.tamper = f
	w.mu.Unlock()
}

// deniedScope is a published scope the world's client is not granted.
const deniedScope = "virtual_cash_balances:admin"

func newWorld(t *testing.T) *world {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1, DeniedScopes: []string{deniedScope}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	u := "http://" + srv.Listener.Addr().String()
	v, err := contracttest.New(contracttest.Options{Mode: contracttest.Strict, IssuedTokensOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{sb: sb, url: u, v: v, rec: &contracttest.Recorder{}, doc: doc, user: sb.NewUser()}
	srv.Config.Handler = v.Handler(sb, w.rec.Report)
	srv.Start()
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	// The generated client with the facade's whole stack, retries off so
	// every answer is seen as it came; the raw token requests are signed
	// by a Transport of their own.
	cfg := upvest.Config{BaseURL: u, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, KeyID: creds.KeyID,
		PrivateKeyPEM: creds.PrivateKeyPEM, HTTPClient: &http.Client{Transport: w}}
	opts, err := upvest.GeneratedClientOptions(cfg, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if w.client, err = gen.NewClient(u, opts...); err != nil {
		t.Fatal(err)
	}
	key, err := middleware.ParseKey(creds.PrivateKeyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := middleware.NewSigner(key, creds.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(u)
	w.tokenClient = &http.Client{Transport: &middleware.Transport{Base: w, Signer: signer, ClientID: creds.ClientID, BaseURL: base}}
	return w
}

// group creates an account group and returns its id, activated if asked.
func (w *world) group(t *testing.T, active bool) gen.AccountGroupID {
	t.Helper()
	resp, err := w.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: w.user, Type: gen.AccountGroupTypePersonal}, middleware.IdempotencyKeyEditor(""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var g gen.AccountGroup
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		t.Fatal(err)
	}
	if active {
		w.sb.Activate(g.ID)
	}
	return g.ID
}

func mustUUID(s string) gen.UserID {
	var u gen.UserID
	if err := u.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return u
}

// acceptHTML asks for a content type the API cannot give.
func acceptHTML(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "text/html")
	return nil
}

// spoilSignature flips the signature's first base64 character.
func spoilSignature(req *http.Request) {
	s := req.Header.Get("Signature")
	if i := strings.Index(s, ":"); i >= 0 && i+1 < len(s) {
		c := byte('A')
		if s[i+1] == 'A' {
			c = 'B'
		}
		req.Header.Set("Signature", s[:i+1]+string(c)+s[i+2:])
	}
}

// last returns the latest checked exchange of operation op.
func (w *world) last(op string) (contracttest.Result, bool) {
	results := w.rec.Results()
	for i := len(results) - 1; i >= 0; i-- {
		if results[i].Operation == op {
			return results[i], true
		}
	}
	return contracttest.Result{}, false
}

// split returns a result's request and response findings.
func split(r contracttest.Result) (req, resp []contracttest.Finding) {
	for _, f := range r.Findings {
		if f.Response {
			resp = append(resp, f)
		} else {
			req = append(req, f)
		}
	}
	return req, resp
}
