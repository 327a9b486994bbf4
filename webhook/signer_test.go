package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A delivery to a URL with no path reaches the server as "/": TestSigner must
// sign that, or every such delivery fails verification.
func TestSignerSignsWhatTheServerSees(t *testing.T) {
	for _, tc := range []struct{ name, suffix string }{
		{"no path", ""},
		{"root", "/"},
		{"path", "/hooks"},
		{"escaped path", "/a%20b/hooks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			srv := httptest.NewServer(f.handler(f.keys))
			defer srv.Close()
			req := must(f.signer.NewRequest(context.Background(), srv.URL+tc.suffix, event("ACCOUNT_GROUP.CREATED")))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (refusals: %v)", resp.StatusCode, f.refusals())
			}
		})
	}
}
