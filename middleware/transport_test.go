package middleware

import (
	"net/http"
	"strings"
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
