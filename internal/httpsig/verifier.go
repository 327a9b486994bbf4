package httpsig

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// Reasons a signed request is refused. Every error of VerifyRequest is a
// *VerifyError wrapping one of them; ErrReplay and ErrNoNonce are for
// callers that keep the nonces they have seen (the sandbox).
var (
	ErrUnsigned      = errors.New("request is not signed")
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
// ErrMalformed, ErrComponentParam, ErrBadSignature, ErrUnsupportedKey),
// Detail the specifics.
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

	// work, when set (by this package's tests), counts the costly steps.
	work *work
}

// work counts the costly steps of one VerifyRequest: body digests and
// signature verifications.
type work struct{ digests, verifies int }

// MaxTries is how many signature-input members naming a known key
// VerifyRequest verifies at most: Upvest's signature, and one more (a
// rotation signed with both keys, a proxy that knows a key id).
const MaxTries = 2

// VerifyRequest checks the signature of r, whose body is body, and returns
// the signature-input member that verified. The members are considered in
// order: members whose keyid v.Key does not know (a proxy's signature, say)
// are passed over; the first member with a known key that passes every
// check is the answer, and after MaxTries members with a known key have
// failed the others are not tried. When none verifies, the error is that of
// the first member with a known key, or ErrUnknownKey naming every keyid
// seen.
//
// The work one request can cause is bounded: headers of more than
// MaxMembers members are refused (ErrMalformed) before any key is looked
// up, the body is digested once, and at most MaxTries signatures are
// verified.
func VerifyRequest(r *http.Request, body []byte, v *Verification) (*SignatureInput, error) {
	inputHeader := strings.Join(r.Header.Values("Signature-Input"), ", ")
	sigHeader := strings.Join(r.Header.Values("Signature"), ", ")
	if inputHeader == "" || sigHeader == "" {
		return nil, refuse(ErrUnsigned, "signature and signature-input headers are required")
	}
	if tooManyMembers(sigHeader) {
		return nil, refuse(ErrMalformed, "signature has more than %d members", MaxMembers)
	}
	ins, err := ParseSignatureInput(inputHeader)
	if err != nil {
		return nil, refuse(ErrMalformed, "%s", detail(err, ErrMalformed))
	}
	sigs, err := httpsfv.UnmarshalDictionary([]string{sigHeader})
	if err != nil {
		return nil, refuse(ErrMalformed, "signature: not a structured-field dictionary: %v", err)
	}
	m := &message{r: r, body: body, v: v, sigs: sigs}
	var first error
	var unknown []string
	tries := 0
	for _, in := range ins {
		pub, err := v.Key(in.KeyID)
		if err != nil {
			unknown = append(unknown, fmt.Sprintf("keyid %q (%s): %v", in.KeyID, in.Label, err))
			continue
		}
		if err = m.verify(in, pub); err == nil {
			return in, nil
		}
		if first == nil {
			first = err
		}
		if tries++; tries == MaxTries {
			break
		}
	}
	if first != nil {
		return nil, first
	}
	return nil, refuse(ErrUnknownKey, "%s", strings.Join(unknown, "; "))
}

// message is one request being verified: what its members are checked
// against, and the outcome of its digest check, made once.
type message struct {
	r    *http.Request
	body []byte
	v    *Verification
	sigs *httpsfv.Dictionary

	digestChecked bool
	digestErr     error
}

// detail is err's message without the sentinel reason's, which a
// VerifyError already starts with.
func detail(err, reason error) string {
	return strings.TrimPrefix(err.Error(), reason.Error()+": ")
}

// verify checks one signature-input member whose key is pub.
func (m *message) verify(in *SignatureInput, pub any) error {
	r, v := m.r, m.v
	if in.Problem != nil {
		reason := ErrMalformed
		if errors.Is(in.Problem, ErrComponentParam) {
			reason = ErrComponentParam
		}
		return refuse(reason, "signature-input %s: %s", in.Label, detail(in.Problem, reason))
	}
	sig, err := signatureOf(m.sigs, in.Label)
	if err != nil {
		return refuse(ErrMalformed, "%s", detail(err, ErrMalformed))
	}
	if err := checkCoverage(r, v, in); err != nil {
		return err
	}
	if err := checkTimes(v, in); err != nil {
		return err
	}
	if len(m.body) > 0 {
		if err := m.checkDigest(in); err != nil {
			return err
		}
	}
	if in.Alg != "" {
		if alg, err := AlgorithmOf(pub); err != nil || alg.String() != in.Alg {
			return refuse(ErrBadSignature, "alg=%q does not match key %q", in.Alg, in.KeyID)
		}
	}
	base, err := SignatureBase(r, v.Style, in)
	if err != nil {
		return err
	}
	if v.work != nil {
		v.work.verifies++
	}
	if err := Verify(pub, base, sig); err != nil {
		if errors.Is(err, ErrUnsupportedKey) {
			return &VerifyError{Reason: err}
		}
		return refuse(ErrBadSignature, "the signature does not verify with key %q over the components %q: check that the base lists them in this order with the values sent", in.KeyID, in.Names)
	}
	in.Base = base
	return nil
}

// checkCoverage refuses a member that leaves out a required component, or
// a component parameter the v6 base cannot write.
func checkCoverage(r *http.Request, v *Verification, in *SignatureInput) error {
	for _, name := range v.Required {
		if !slices.Contains(in.Names, name) {
			return refuse(ErrNotCovered, "signature-input does not cover %q", name)
		}
	}
	for _, name := range v.RequiredIfPresent {
		if len(r.Header.Values(name)) > 0 && !slices.Contains(in.Names, name) {
			return refuse(ErrNotCovered, "the request has a %s header but signature-input does not cover it", name)
		}
	}
	if v.Style == V6 && slices.ContainsFunc(in.Flags, func(f Flags) bool { return f != 0 }) {
		return refuse(ErrComponentParam, "component parameters (;sf, ;bs) have no form in the v6 base")
	}
	return nil
}

// checkTimes judges created and expires by v.Now.
func checkTimes(v *Verification, in *SignatureInput) error {
	if in.Created == 0 || in.Expires == 0 {
		return refuse(ErrNoTime, "signature-input needs created and expires")
	}
	now := v.Now.Unix()
	skew := int64(v.Skew / time.Second)
	switch {
	case in.Created > now+skew:
		return refuse(ErrFuture, "created=%d is %d s ahead of the server clock (%d)", in.Created, in.Created-now, now)
	case in.Expires+skew < now:
		return refuse(ErrExpired, "expires=%d is %d s before the server clock (%d)", in.Expires, now-in.Expires, now)
	case v.MaxAge > 0 && now-in.Created > int64(v.MaxAge/time.Second):
		return refuse(ErrStale, "created=%d is %d s old, more than %s", in.Created, now-in.Created, v.MaxAge)
	case in.Expires < in.Created:
		return refuse(ErrMalformed, "expires=%d is before created=%d", in.Expires, in.Created)
	}
	return nil
}

// checkDigest checks that in covers the request's digest header and that
// the header matches the body: the body is digested on the first call only.
func (m *message) checkDigest(in *SignatureInput) error {
	name := "content-digest"
	if m.v.Style == V6 && m.r.Header.Get("Content-Digest") == "" {
		name = "digest"
	}
	got := m.r.Header.Get(name)
	if got == "" {
		return refuse(ErrDigestMissing, "a request with a body needs a %s header", name)
	}
	if !slices.Contains(in.Names, name) {
		return refuse(ErrNotCovered, "signature-input does not cover %q", name)
	}
	if !m.digestChecked {
		m.digestChecked = true
		if m.v.work != nil {
			m.v.work.digests++
		}
		want := ContentDigest(m.body)
		if name == "digest" {
			want = LegacyDigest(m.body)
		}
		if got != want {
			m.digestErr = refuse(ErrDigest, "%s is %q but the body's is %q", name, got, want)
		}
	}
	return m.digestErr
}
