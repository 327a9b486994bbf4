package middleware

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkSign is the signer alone: P-521 and Ed25519, with and without a
// body (a create and a get).
func BenchmarkSign(b *testing.B) {
	for _, k := range []struct{ name, file string }{{"P521", "ec-sec1.pem"}, {"Ed25519", "ed25519-pkcs8.pem"}} {
		key, err := ParseKey(readKey(b, k.file), nil)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSigner(key, testKeyID)
		if err != nil {
			b.Fatal(err)
		}
		body := []byte(`{"user_id":"` + testUserID + `","type":"PERSONAL"}`)
		for _, withBody := range []bool{false, true} {
			name := "key=" + k.name + "/body=none"
			if withBody {
				name = "key=" + k.name + "/body=create"
			}
			b.Run(name, func(b *testing.B) {
				req, _ := http.NewRequest(http.MethodGet, "https://sandbox.upvest.co/account_groups/"+testGroupID, nil)
				var sent []byte
				if withBody {
					req, _ = http.NewRequest(http.MethodPost, "https://sandbox.upvest.co/account_groups", strings.NewReader(string(body)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", testIdemKey)
					sent = body
				}
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Authorization", "Bearer token")
				req.Header.Set("Upvest-Client-Id", testClientID)
				b.ReportAllocs()
				for b.Loop() {
					if err := s.Sign(req, sent); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTokenWarm is the token lookup on a warm cache, as every call
// after the first pays it.
func BenchmarkTokenWarm(b *testing.B) {
	tokens := &Tokens{}
	tokens.entries = map[string]*tokenEntry{"accounts:read": {token: "tok", refreshAt: fixedClock().Add(1 << 62)}}
	tokens.Now = fixedClock
	scopes := []string{"accounts:read"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if tok, _, err := tokens.bearer(ctx, scopes, "accounts:read"); err != nil || tok != "tok" {
			b.Fatal(err)
		}
	}
}
