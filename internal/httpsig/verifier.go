package httpsig

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Reasons a signed request is refused. Every error of VerifyRequest is a
// *VerifyError wrapping one of them.
var (
	ErrUnsigned      = errors.New("request is not signed")
	ErrVersion       = errors.New("wrong signature version")
	ErrUnknownKey    = errors.New("unknown key id")
	ErrNotCovered    = errors.New("a required component is not covered")
	ErrMissing       = errors.New("a covered component is missing from the request")
	ErrNoTime        = errors.New("signature has no created or expires")
	ErrExpired       = errors.New("signature expired")
	ErrFuture        = errors.New("signature created in the future")
	ErrStale         = errors.New("signature created too long ago")
	ErrReplay        = errors.New("nonce already used")
	ErrNoNonce       = errors.New("signature has no nonce")
	ErrDigest        = errors.New("body digest does not match the body")
	ErrDigestMissing = errors.New("body digest header missing")
)

// VerifyError says why a request was refused: Reason is a sentinel above (or
// ErrMalformed, ErrBadSignature, ErrUnsupportedKey), Detail the specifics.
type VerifyError struct {
	Reason error
	Detail string
}

// Error implements the error interface.
func (e *VerifyError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Unwrap returns Reason.
func (e *VerifyError) Unwrap() error { return e.Reason }

func refuse(reason error, format string, args ...any) error {
	return &VerifyError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Verification is what VerifyRequest checks a request against.
type Verification struct {
	// Style is the base style: V15 for API calls, V6 for Upvest's webhooks.
	Style Style
	// Key returns the public key for a key id, or an error (wrapped as
	// ErrUnknownKey).
	Key func(keyID string) (any, error)
	// Required lists components that must be covered.
	Required []string
	// RequiredIfPresent lists headers that must be covered when the
	// request carries them.
	RequiredIfPresent []string
	// Now is the time to judge created and expires by.
	Now time.Time
	// Skew is how far in the future created may be, and past expires a
	// request is still accepted.
	Skew time.Duration
	// MaxAge is how old created may be; zero means no limit beyond expires.
	MaxAge time.Duration
	// Nonces, when set, requires a nonce and refuses one seen before
	// within its window.
	Nonces *Nonces
}

// VerifyRequest checks the signature of r, whose body is body. It returns the
// parsed signature-input on success.
func VerifyRequest(r *http.Request, body []byte, v *Verification) (*SignatureInput, error) {
	header := r.Header.Get("Signature-Input")
	sigHeader := r.Header.Get("Signature")
	if header == "" || sigHeader == "" {
		return nil, refuse(ErrUnsigned, "signature and signature-input headers are required")
	}
	in, err := ParseSignatureInput(header)
	if err != nil {
		return nil, &VerifyError{Reason: ErrMalformed, Detail: "signature-input: " + err.Error()}
	}
	sig, err := ParseSignature(sigHeader, in.Label)
	if err != nil {
		return nil, &VerifyError{Reason: ErrMalformed, Detail: "signature: " + err.Error()}
	}
	for _, name := range v.Required {
		if !slices.Contains(in.Names, name) {
			return nil, refuse(ErrNotCovered, "signature-input does not cover %q", name)
		}
	}
	for _, name := range v.RequiredIfPresent {
		if len(r.Header.Values(name)) > 0 && !slices.Contains(in.Names, name) {
			return nil, refuse(ErrNotCovered, "the request has a %s header but signature-input does not cover it", name)
		}
	}
	if in.Created == 0 || in.Expires == 0 {
		return nil, refuse(ErrNoTime, "signature-input needs created and expires")
	}
	now := v.Now.Unix()
	skew := int64(v.Skew / time.Second)
	switch {
	case in.Created > now+skew:
		return nil, refuse(ErrFuture, "created=%d is %d s ahead of the server clock (%d)", in.Created, in.Created-now, now)
	case in.Expires+skew < now:
		return nil, refuse(ErrExpired, "expires=%d is %d s before the server clock (%d)", in.Expires, now-in.Expires, now)
	case v.MaxAge > 0 && now-in.Created > int64(v.MaxAge/time.Second):
		return nil, refuse(ErrStale, "created=%d is %d s old, more than %s", in.Created, now-in.Created, v.MaxAge)
	case in.Expires < in.Created:
		return nil, refuse(ErrMalformed, "expires=%d is before created=%d", in.Expires, in.Created)
	}
	if len(body) > 0 {
		if err := checkDigest(r, body, in, v.Style); err != nil {
			return nil, err
		}
	}
	comps, missing := RequestComponents(r, in.Names)
	if missing != "" {
		return nil, refuse(ErrMissing, "signature-input covers %q but the request has no such component", missing)
	}
	pub, err := v.Key(in.KeyID)
	if err != nil {
		return nil, refuse(ErrUnknownKey, "keyid %q: %v", in.KeyID, err)
	}
	base := AppendBase(make([]byte, 0, 1024), v.Style, comps, in.Raw)
	if err := Verify(pub, base, sig); err != nil {
		if errors.Is(err, ErrUnsupportedKey) {
			return nil, &VerifyError{Reason: err}
		}
		return nil, refuse(ErrBadSignature, "the signature does not verify with key %q over the components %q: check that the base lists them in this order with the values sent", in.KeyID, in.Names)
	}
	// Only a verified signature may consume its nonce.
	if v.Nonces != nil {
		if in.Nonce == "" {
			return nil, refuse(ErrNoNonce, "signature-input needs a nonce")
		}
		in.Replay = in.KeyID + "\x00" + in.Nonce
		if !v.Nonces.Use(in.Replay, time.Unix(in.Expires, 0).Add(v.Skew), v.Now) {
			return nil, refuse(ErrReplay, "nonce %q was already used by key %q", in.Nonce, in.KeyID)
		}
	}
	return in, nil
}

func checkDigest(r *http.Request, body []byte, in *SignatureInput, style Style) error {
	name, want := "content-digest", ""
	if style == V6 && r.Header.Get("Content-Digest") == "" {
		name = "digest"
	}
	got := r.Header.Get(name)
	if got == "" {
		return refuse(ErrDigestMissing, "a request with a body needs a %s header", name)
	}
	if !slices.Contains(in.Names, name) {
		return refuse(ErrNotCovered, "signature-input does not cover %q", name)
	}
	if name == "digest" {
		want = LegacyDigest(body)
	} else {
		want = ContentDigest(body)
	}
	if got != want {
		return refuse(ErrDigest, "%s is %q but the body's is %q", name, got, want)
	}
	return nil
}

// Nonces remembers used nonces until their signature expires. The zero value
// is ready; it is safe for concurrent use.
type Nonces struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	sweep time.Time
}

// Use records nonce as used until until, and reports whether it was new.
func (n *Nonces) Use(nonce string, until, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = make(map[string]time.Time)
	}
	if now.After(n.sweep) {
		for k, t := range n.seen {
			if now.After(t) {
				delete(n.seen, k)
			}
		}
		n.sweep = now.Add(time.Minute)
	}
	if t, ok := n.seen[nonce]; ok && !now.After(t) {
		return false
	}
	n.seen[nonce] = until
	return true
}

// Forget drops nonce, so that the same signed request is accepted again: for
// a delivery that was verified but could not be handled, which the sender
// will retry.
func (n *Nonces) Forget(nonce string) {
	n.mu.Lock()
	delete(n.seen, nonce)
	n.mu.Unlock()
}
