package webhook_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/upvest-go/upvest/webhook"
)

// A delivery to a URL with no path reaches the server as "/": TestSigner must
// sign that, or every such delivery fails verification.
func TestSignerSignsWhatTheServerSees(t *testing.T) {
	t.Parallel()
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

// opaqueSigner is a key seen only through crypto.Signer, as a KMS or HSM
// client presents one.
type opaqueSigner struct {
	key   crypto.Signer
	calls int
}

func (o *opaqueSigner) Public() crypto.PublicKey { return o.key.Public() }

func (o *opaqueSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	o.calls++
	return o.key.Sign(r, digest, opts)
}

// TestSigner.Key is any crypto.Signer of a supported key: deliveries signed
// through an opaque one verify (v6 and v15, with and without a nonce);
// other keys are refused with ErrUnsupportedKey before anything is set.
func TestSignerTakesACryptoSigner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		version int
		noNonce bool
	}{{"v6", 6, false}, {"v15", 15, false}, {"v6 without nonce", 6, true}, {"v15 without nonce", 15, true}} {
		t.Run(tc.name, func(t *testing.T) {
			opaque := &opaqueSigner{key: f.key}
			s := &webhook.TestSigner{Key: opaque, KeyID: f.kid, Version: tc.version, NoNonce: tc.noNonce, Now: f.signer.Now}
			req := must(s.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			rec := httptest.NewRecorder()
			f.handler(f.keys).ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || opaque.calls != 1 {
				t.Fatalf("status %d, %d signing calls (refusals: %v)", rec.Code, opaque.calls, f.refusals())
			}
		})
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, key := range map[string]crypto.Signer{"P-256": p256, "opaque P-256": &opaqueSigner{key: p256}, "nil": nil} {
		s := &webhook.TestSigner{Key: key, KeyID: f.kid}
		req, _ := http.NewRequest(http.MethodPost, "https://hooks.example/upvest", nil)
		if err := s.Sign(req, []byte(`{"payload":[]}`)); !errors.Is(err, webhook.ErrUnsupportedKey) {
			t.Errorf("%s: err = %v, want ErrUnsupportedKey", name, err)
		}
		if req.Header.Get("Signature") != "" || req.Header.Get("Digest") != "" {
			t.Errorf("%s: headers set", name)
		}
	}
}
