package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// Defaults of Verifier.
const (
	DefaultTolerance    = 5 * time.Minute
	DefaultMaxBodyBytes = 1 << 20
)

// Verifier checks that a delivery comes from Upvest. It accepts Upvest's v6
// style (unquoted base names, digest: SHA-256=…) and the v15 style
// (upvest-signature-version: 15, content-digest), ECDSA P-521/SHA-512, and
// insists that the method, path, content type and body digest be covered.
//
// Keys is required; the other fields have working zero values. Set them
// before first use; a Verifier is then safe for concurrent use. It remembers
// the signatures it accepted for the tolerance window and refuses them again
// (ErrReplay).
type Verifier struct {
	// Keys finds the public key for a keyid.
	Keys KeySource
	// Tolerance is how far created may lie in the past or future of the
	// local clock, and expires in its past; zero means DefaultTolerance.
	Tolerance time.Duration
	// MaxBodyBytes bounds the body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	nonces httpsig.Nonces
}

// Verify reads r's body (within the size limit) and checks its signature. It
// returns the body when the delivery is genuine, else an error matching one
// of the package's sentinels. A verified delivery's signature is remembered:
// call Release if you then fail to handle it, so that the same delivery,
// retried, is accepted.
func (v *Verifier) Verify(r *http.Request) (body []byte, release func(), err error) {
	if r.Method != http.MethodPost {
		return nil, nil, ErrMethod
	}
	limit := v.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.ContentLength > limit {
		return nil, nil, fmt.Errorf("%w: content-length %d > %d", ErrTooLarge, r.ContentLength, limit)
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: reading the body: %v", ErrMalformedBody, err)
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	in, err := v.verifyBody(r, body)
	if err != nil {
		return nil, nil, err
	}
	return body, func() { v.nonces.Forget(in.Replay) }, nil
}

// verifyBody checks r's signature given its already read body.
func (v *Verifier) verifyBody(r *http.Request, body []byte) (*httpsig.SignatureInput, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	style, digest := httpsig.V6, "digest"
	if r.Header.Get("Upvest-Signature-Version") == "15" || r.Header.Get("Content-Digest") != "" {
		style, digest = httpsig.V15, "content-digest"
	}
	if v.Keys == nil {
		return nil, errors.New("webhook: Verifier.Keys is nil")
	}
	ctx := r.Context()
	in, err := httpsig.VerifyRequest(r, body, &httpsig.Verification{
		Style:         style,
		Key:           func(kid string) (any, error) { return v.Keys.Key(ctx, kid) },
		Required:      []string{"@method", "@path", "content-type", digest},
		Now:           now(),
		Skew:          tol,
		MaxAge:        tol,
		Nonces:        &v.nonces,
		NonceOptional: true,
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}
