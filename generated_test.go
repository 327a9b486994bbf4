package upvest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

// TestGeneratedCreateKeepsOneKey: a create through Generated() without an
// idempotency key gets one key for all its attempts, and every attempt
// carries the transport headers and a fresh signature.
func TestGeneratedCreateKeepsOneKey(t *testing.T) {
	t.Parallel()
	f := newFake(t, lostThenGroup())
	c := f.client(t)
	resp, err := c.Generated().CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: uuid.MustParse(userID), Type: upvest.TypePersonal})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	k0, k1 := reqs[0].header.Get("Idempotency-Key"), reqs[1].header.Get("Idempotency-Key")
	if k0 == "" || k0 != k1 {
		t.Fatalf("keys %q and %q, want one key", k0, k1)
	}
	for _, r := range reqs {
		if r.header.Get("Upvest-Client-Id") != fakeClientID || r.header.Get("Upvest-Api-Version") != "1" || r.header.Get("Accept") != "application/json" ||
			r.header.Get("Authorization") == "" || r.header.Get("Signature") == "" || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("headers %v", r.header)
		}
	}
	if reqs[0].header.Get("Signature") == reqs[1].header.Get("Signature") {
		t.Fatal("the retry reused the signature")
	}
}

// The generated client writes the enumerations' text into the query and
// the body: sort=created_at&order=DESC, "type":"LEGAL_ENTITY".
func TestGeneratedClientWritesEnumText(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	c := f.client(t)
	sort, order := gen.SortFieldCreatedAt, upvest.Descending
	resp, err := c.Generated().ListAccountGroups(context.Background(), &gen.ListAccountGroupsParams{Sort: &sort, Order: &order})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Generated().CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: theUser, Type: upvest.TypeLegalEntity})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].query != "sort=created_at&order=DESC" || !strings.Contains(string(reqs[1].body), `"type":"LEGAL_ENTITY"`) {
		t.Fatalf("query %q, body %s", reqs[0].query, reqs[1].body)
	}
}

// TestCallersEditorOnEveryAttempt: a header the caller's own editor sets
// reaches the server on every attempt of a create retried after 503s,
// through Client.Generated() and through a generated client built with
// GeneratedClientOptions; all attempts carry one idempotency key, and one
// group is created.
func TestCallersEditorOnEveryAttempt(t *testing.T) {
	t.Parallel()
	correlate := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Correlation-Id", "order-42")
		return nil
	}
	for _, via := range []string{"Client.Generated", "GeneratedClientOptions"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			// Below the client's stack: the first two create attempts are
			// answered 503 before they reach the sandbox.
			var mu sync.Mutex
			var correlation, keys []string
			cfg := configFor(sb)
			cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method != http.MethodPost || r.URL.Path != "/account_groups" {
					return http.DefaultTransport.RoundTrip(r)
				}
				mu.Lock()
				correlation = append(correlation, r.Header.Get("X-Correlation-Id"))
				keys = append(keys, r.Header.Get("Idempotency-Key"))
				n := len(keys)
				mu.Unlock()
				if n <= 2 {
					return &http.Response{StatusCode: 503, Header: http.Header{"Content-Type": {"application/problem+json"}},
						Body: io.NopCloser(strings.NewReader(`{"type":"service_unavailable","status":503}`)), Request: r}, nil
				}
				return http.DefaultTransport.RoundTrip(r)
			})}
			var api gen.ClientInterface
			if via == "Client.Generated" {
				c, err := upvest.New(cfg, fastRetries)
				if err != nil {
					t.Fatal(err)
				}
				api = c.Generated()
			} else {
				opts, err := upvest.GeneratedClientOptions(cfg, fastRetries)
				if err != nil {
					t.Fatal(err)
				}
				if api, err = gen.NewClientWithResponses(cfg.BaseURL, opts...); err != nil {
					t.Fatal(err)
				}
				api = api.(*gen.ClientWithResponses).ClientInterface
			}
			resp, err := api.CreateAccountGroup(context.Background(),
				gen.AccountGroupCreateRequest{UserID: sb.NewUser(), Type: upvest.TypePersonal}, correlate)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, want 200 after the 503s", resp.StatusCode)
			}
			if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
				t.Fatalf("idempotency keys %q, want one key on all 3 attempts", keys)
			}
			for i, v := range correlation {
				if v != "order-42" {
					t.Fatalf("attempt %d carried X-Correlation-Id %q, want the caller's editor's", i+1, v)
				}
			}
			if n := len(sb.AccountGroups()); n != 1 {
				t.Fatalf("%d groups exist, want 1", n)
			}
		})
	}
}

// TestVerifyKeysTakeWebhooksAdmin: the webhook verification keys accept a
// token with webhooks:admin as well as webhooks:read, as Upvest's document
// says; a token with neither is refused.
func TestVerifyKeysTakeWebhooksAdmin(t *testing.T) {
	t.Parallel()
	c, _ := newSandbox(t, sandbox.Config{})
	for scope, want := range map[string]int{"webhooks:admin": 200, "webhooks:read": 200, "accounts:read": 403} {
		resp, err := c.Generated().GetWebhookVerifyKeys(middleware.WithScopes(context.Background(), scope))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a token with %s: status %d, want %d", scope, resp.StatusCode, want)
		}
	}
}
