package webhook

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// TestSigner signs webhook deliveries exactly as Upvest does, for your own
// tests (and the sandbox): v6 style by default (unquoted base names,
// digest: SHA-256=…), or v15 with Version 15. Key and KeyID are required;
// the rest have working zero values. Safe for concurrent use as long as its
// fields are not changed.
type TestSigner struct {
	// Key signs: any crypto.Signer whose public key is ECDSA P-521 (what
	// Upvest uses, such as an *ecdsa.PrivateKey) or Ed25519. Another key
	// makes Sign fail with an error matching ErrUnsupportedKey.
	Key crypto.Signer
	// KeyID is the kid the verifier finds the public key under.
	KeyID string
	// Version is 6 (the default) or 15.
	Version int
	// Validity is expires - created; zero means 5 minutes.
	Validity time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NoNonce leaves the nonce parameter out of signature-input. Upvest's
	// deliveries may carry none; a verifier must refuse their replays all
	// the same.
	NoNonce bool
}

// Sign adds the digest, signature-input and signature headers to req, whose
// body is body. It covers @method, @path (as the server will see it: "/" for
// a URL without a path), content-type, content-length and the digest. req is
// modified: pass one you own. A Key that is not ECDSA P-521 or Ed25519 is an
// error matching ErrUnsupportedKey, and req is left alone.
func (s *TestSigner) Sign(req *http.Request, body []byte) error {
	key, err := httpsig.NewKey(s.Key)
	if err != nil {
		return err
	}
	style, digestName, digest := httpsig.V6, "digest", httpsig.LegacyDigest(body)
	if s.Version == 15 {
		style, digestName, digest = httpsig.V15, "content-digest", httpsig.ContentDigest(body)
		req.Header.Set("Upvest-Signature-Version", "15")
	}
	req.Header.Set(digestName, digest)
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	comps := []httpsig.Component{
		{Name: "@method", Value: req.Method},
		{Name: "@path", Value: wirePath(req)},
		{Name: "content-type", Value: req.Header.Get("Content-Type")},
		{Name: "content-length", Value: strconv.Itoa(len(body))},
		{Name: digestName, Value: digest},
	}
	created, expires := httpsig.Window(s.Now, s.Validity, 5*time.Minute)
	in := httpsig.Input{
		Style:      style,
		Components: comps,
		KeyID:      s.KeyID,
		Created:    created,
		Expires:    expires,
		NoNonce:    s.NoNonce,
	}
	input, signature, err := httpsig.Sign(req.Context(), key, nil, &in)
	if err != nil {
		return err
	}
	req.Header.Set("Signature-Input", input)
	req.Header.Set("Signature", signature)
	req.ContentLength = int64(len(body))
	return nil
}

// wirePath is the path req reaches the server with: its escaped path, or "/"
// for a URL without one (net/http sends "/" for http://host).
func wirePath(req *http.Request) string {
	if p := req.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// NewRequest builds a signed delivery of events, bundled as
// {"payload":[…]}, posted to url.
func (s *TestSigner) NewRequest(ctx context.Context, url string, events ...any) (*http.Request, error) {
	if events == nil {
		events = []any{}
	}
	body, err := json.Marshal(map[string]any{"payload": events})
	if err != nil {
		return nil, err
	}
	return s.NewRequestWithBody(ctx, url, body)
}

// NewRequestWithBody builds a signed delivery of body, posted to url.
func (s *TestSigner) NewRequestWithBody(ctx context.Context, url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := s.Sign(req, body); err != nil {
		return nil, err
	}
	return req, nil
}
