package middleware

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

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

// A 401 for a cached token drops it and retries once with a new token and a
// new signature; a 401 for a fresh token is returned as is.
func TestUnauthorizedRetriesOnceWithNewToken(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	var n atomic.Int32
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		return jsonResponse(200, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":1799,"token_type":"bearer"}`, n.Add(1)))
	}
	revoked := "Bearer tok-1"
	r.api.respond = func(req *http.Request, body []byte) *http.Response {
		if req.Header.Get("Authorization") == revoked {
			return jsonResponse(401, `{"type":"unauthorized","status":401}`)
		}
		return jsonResponse(200, `{}`)
	}
	ctx := context.Background()
	if _, err := r.tokens.Token(ctx, "accounts:read"); err != nil { // warm the cache with tok-1
		t.Fatal(err)
	}
	resp, err := r.client.ListAccountGroups(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after refresh", resp.StatusCode)
	}
	s := r.api.all()
	if len(s) != 2 || s[1].req.Header.Get("Authorization") != "Bearer tok-2" {
		t.Fatalf("want a retry with tok-2, got %d requests", len(s))
	}
	if s[0].req.Header.Get("Signature") == s[1].req.Header.Get("Signature") {
		t.Fatal("retry reused the signature")
	}
	// Now every token is refused: one retry at most, then the 401 comes back.
	revoked = ""
	r.api.respond = func(req *http.Request, body []byte) *http.Response {
		return jsonResponse(401, `{"type":"unauthorized","status":401}`)
	}
	before := len(r.api.all())
	resp, err = r.client.ListAccountGroups(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(r.api.all())-before != 2 {
		t.Fatalf("status %d after %d requests, want 401 after 2", resp.StatusCode, len(r.api.all())-before)
	}
}
