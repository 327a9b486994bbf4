package webhook

import (
	"context"
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

// MaxSignatureMembers bounds the members of a delivery's signature-input
// and signature headers: one with more is refused (ErrMalformedSignature)
// before any key is looked up.
const MaxSignatureMembers = httpsig.MaxMembers

// Verifier checks that a delivery comes from Upvest. It accepts Upvest's v6
// style (unquoted base names, digest: SHA-256=…) and the v15 style
// (upvest-signature-version: 15, content-digest), ECDSA P-521/SHA-512, and
// insists that the method, path, content type and body digest be covered.
//
// One delivery costs a bounded amount of work, whoever sends it: its body
// is digested once, at most MaxSignatureMembers signature members are
// parsed, and of the members naming a known key at most two are verified
// (the others are not tried). A member naming an unknown key costs a key
// lookup (see RemoteKeys for how unknown kids are held off).
//
// Keys is required (without it, or on a nil *Verifier, every delivery is
// refused with ErrConfig, and NewHandler refuses the Verifier); the other
// fields have working zero values. Set them
// before first use; a Verifier is then safe for concurrent use. It remembers
// every delivery it accepted, keyed on what the signature covers (never on
// the signature bytes, which an attacker can vary), for as long as the
// delivery could verify (until created + Tolerance), and refuses it again
// (ErrReplay), with or without a nonce.
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

	replays replayCache
}

// Verify reads r's body (within the size limit) and checks its signature. It
// returns the body when the delivery is genuine, else an error matching one
// of the package's sentinels. A verified delivery is remembered: call
// release if you then fail to handle it, so that the same delivery, retried,
// is accepted.
func (v *Verifier) Verify(r *http.Request) (body []byte, release func(), err error) {
	if err := v.usable(); err != nil {
		return nil, nil, err
	}
	if r.Method != http.MethodPost {
		return nil, nil, ErrMethod
	}
	limit := v.maxBodyBytes()
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
	release, err = v.verify(r.Context(), r, body)
	if err != nil {
		return nil, nil, err
	}
	return body, release, nil
}

// usable says why v cannot verify anything, nil when it can.
func (v *Verifier) usable() error {
	if v == nil {
		return fmt.Errorf("%w: nil *Verifier", ErrConfig)
	}
	if v.Keys == nil {
		return fmt.Errorf("%w: Verifier.Keys is nil", ErrConfig)
	}
	return nil
}

func (v *Verifier) maxBodyBytes() int64 {
	if v.MaxBodyBytes > 0 {
		return v.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// verify checks r's signature given its already read body, then claims the
// delivery in the replay cache.
func (v *Verifier) verify(ctx context.Context, r *http.Request, body []byte) (release func(), err error) {
	at := httpsig.Now(v.Now)
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	style, digest := httpsig.V6, "digest"
	if r.Header.Get("Upvest-Signature-Version") == "15" || r.Header.Get("Content-Digest") != "" {
		style, digest = httpsig.V15, "content-digest"
	}
	in, err := httpsig.VerifyRequest(r, body, &httpsig.Verification{
		Style:    style,
		Key:      func(kid string) (any, error) { return v.Keys.Key(ctx, kid) },
		Required: []string{"@method", "@path", "content-type", digest},
		Now:      at,
		Skew:     tol,
		MaxAge:   tol,
	})
	if errors.Is(err, httpsig.ErrComponentParam) {
		// Not among this package's sentinels: a signature it cannot read.
		return nil, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	if err != nil {
		return nil, err
	}
	// Only a verified signature may claim its delivery. VerifyRequest
	// accepts while at.Unix() <= created + tol (and expires >= created):
	// remember it until the second after that.
	key := replayKeyOf(in)
	until := time.Unix(in.Created+int64(tol/time.Second)+1, 0)
	if !v.replays.claim(key, until, at) {
		return nil, fmt.Errorf("%w: keyid %q, created=%d: this signed delivery was already accepted", ErrReplay, in.KeyID, in.Created)
	}
	return func() { v.replays.release(key) }, nil
}
