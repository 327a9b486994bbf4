package middleware

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// DefaultValidity is how long a signature stays valid when Signer.Validity is
// zero: expires = created + DefaultValidity.
const DefaultValidity = 30 * time.Second

// Signer makes Upvest's v15 HTTP message signatures with a crypto.Signer:
// a *Key from ParseKey or NewKey, or a key held in a KMS, an HSM (PKCS#11)
// or an agent. Build one with NewSigner; the zero Signer signs nothing
// (ErrSigner). The key can be replaced while requests are being signed
// (Rotate). A Signer is safe for concurrent use; set Validity, Now and Rand
// before first use and do not change them afterwards. A copy of a Signer
// shares its key with the original: rotating one rotates both.
//
// ECDSA keys must be on P-521: they are given the SHA-512 digest of the
// signature base (opts crypto.SHA512) and must return an ASN.1 DER
// signature, as crypto/ecdsa does. Ed25519 keys are given the base itself
// (opts crypto.Hash(0)). A signer that also implements ContextSigner is
// called through SignContext with the request's context, so its deadline
// bounds a remote signing call; any other crypto.Signer is called with Sign
// as it is.
type Signer struct {
	// Validity is expires - created; zero means DefaultValidity.
	Validity time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the nonce source; nil means crypto/rand. (The signer's own
	// randomness, for ECDSA, is always crypto/rand.)
	Rand io.Reader

	// OnClockOffset, when set, is called each time the clock offset
	// changes (see Transport), with the old and the new offset: package
	// upvest logs it and counts it. Set it before first use.
	OnClockOffset func(old, new time.Duration)

	// offset is how far the server's clock is ahead of Now (negative:
	// behind), in whole seconds as nanoseconds, learned from the Date of a
	// refused request; created and expires follow it. Shared by copies.
	offset *atomic.Int64
	// cur holds the key in use. The cell is made by NewSigner and never
	// replaced, so a copied Signer value rotates with its original and
	// printing one does not race with Rotate.
	cur *atomic.Pointer[signingKey]
}

// signingKey is one snapshot of the key in use: every Sign loads it once.
type signingKey struct {
	key   *httpsig.Key
	keyID string
}

// ContextSigner is a crypto.Signer whose signing can be bounded by a
// context, as a client of a remote KMS or HSM can be. Signer.Sign calls
// SignContext, with the request's context (req.Context()), instead of Sign
// for a signer that implements it; the arguments are otherwise those of
// crypto.Signer.Sign. SignContext should return soon after ctx is done,
// with an error wrapping ctx.Err().
type ContextSigner interface {
	crypto.Signer
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// ErrSigner reports a Signer without a key (the zero Signer) or a key id
// that cannot be sent.
var ErrSigner = errors.New("middleware: signer needs a key and a key id")

// NewSigner returns a Signer signing with key under keyID, the id Upvest
// gave the uploaded public key (not the client id). key.Public() must be an
// ECDSA P-521 or an Ed25519 public key: anything else (RSA, P-256, P-384, …)
// is a *KeyError wrapping ErrUnsupportedKey, a nil key or a zero *Key one
// wrapping ErrNoKey. An empty key id, or one with a quote, a backslash or a
// byte outside printable ASCII, is ErrSigner. Public is called once, here.
func NewSigner(key crypto.Signer, keyID string) (*Signer, error) {
	k, err := newSigningKey(key, keyID)
	if err != nil {
		return nil, err
	}
	s := &Signer{cur: new(atomic.Pointer[signingKey]), offset: new(atomic.Int64)}
	s.cur.Store(k)
	return s, nil
}

// Rotate makes key, under keyID, the key of the signatures that start after
// it returns; a Sign already under way finishes with the key it started
// with, and names that key's id. key and keyID are checked as by NewSigner;
// on error the key in use stays. Rotate is safe to call while other
// goroutines sign.
func (s *Signer) Rotate(key crypto.Signer, keyID string) error {
	if s == nil || s.cur == nil {
		return fmt.Errorf("%w: Rotate on a Signer not made by NewSigner", ErrSigner)
	}
	k, err := newSigningKey(key, keyID)
	if err != nil {
		return err
	}
	s.cur.Store(k)
	return nil
}

// KeyID returns the id of the key in use, or "" for the zero Signer.
func (s *Signer) KeyID() string {
	if k := s.load(); k != nil {
		return k.keyID
	}
	return ""
}

// Algorithm names the algorithm of the key in use: "ecdsa-p521-sha512" or
// "ed25519", or "" for the zero Signer.
func (s *Signer) Algorithm() string {
	if k := s.load(); k != nil {
		return k.key.Algorithm().String()
	}
	return ""
}

func (s *Signer) load() *signingKey {
	if s == nil || s.cur == nil {
		return nil
	}
	return s.cur.Load()
}

func newSigningKey(key crypto.Signer, keyID string) (*signingKey, error) {
	if key == nil {
		return nil, &KeyError{Err: ErrNoKey, Detail: "nil crypto.Signer"}
	}
	if v := reflect.ValueOf(key); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, &KeyError{Err: ErrNoKey, Detail: fmt.Sprintf("nil %T", key)}
	}
	if k, ok := key.(*Key); ok && k.m == nil {
		return nil, &KeyError{Err: ErrNoKey, Detail: "zero middleware.Key"}
	}
	hk, err := httpsig.NewKey(key)
	if err != nil {
		detail := err.Error()
		var ue *httpsig.UnsupportedKeyError
		if errors.As(err, &ue) {
			detail = ue.Reason
		}
		return nil, &KeyError{Err: ErrUnsupportedKey, Detail: fmt.Sprintf("signer %T: %s", key, detail)}
	}
	if !validKeyID(keyID) {
		return nil, fmt.Errorf("%w: the key id must be non-empty printable ASCII without quotes or backslashes", ErrSigner)
	}
	return &signingKey{key: hk, keyID: keyID}, nil
}

// validKeyID: the key id goes inside a quoted string of signature-input.
func validKeyID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return id != ""
}

// Sign signs req, whose body is body (nil or empty for none), and sets
// content-digest (with a body), upvest-signature-version, signature-input and
// signature on req.Header. It covers, in this order and each only when its
// condition holds: @method, @path, @query (with a query), accept,
// authorization, content-length, content-type and content-digest (with a
// body), idempotency-key and upvest-client-id (when present).
//
// It loads the key in use once, so a concurrent Rotate never mixes two keys
// in one signature. A ContextSigner is bounded by req.Context().
//
// Sign modifies req: pass a request you own, such as a clone. req.ContentLength
// must equal len(body).
func (s *Signer) Sign(req *http.Request, body []byte) error {
	k := s.load()
	if k == nil {
		return ErrSigner
	}
	h := req.Header
	created, expires := httpsig.Window(s.Now, s.Validity, DefaultValidity)
	if s.offset != nil {
		off := int64(time.Duration(s.offset.Load()) / time.Second)
		created, expires = created+off, expires+off
	}

	var compArr [10]httpsig.Component
	comps := append(compArr[:0], httpsig.Component{Name: "@method", Value: req.Method})
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	comps = append(comps, httpsig.Component{Name: "@path", Value: path})
	if req.URL.RawQuery != "" {
		comps = append(comps, httpsig.Component{Name: "@query", Value: "?" + req.URL.RawQuery})
	}
	if v := h[hAccept]; len(v) > 0 {
		comps = append(comps, httpsig.Component{Name: "accept", Value: v[0]})
	}
	if v := h[hAuthorization]; len(v) > 0 {
		comps = append(comps, httpsig.Component{Name: "authorization", Value: v[0]})
	}
	var digest string
	if len(body) > 0 {
		digest = httpsig.ContentDigest(body)
		comps = append(comps, httpsig.Component{Name: "content-length", Value: strconv.Itoa(len(body))})
		if v := h[hContentType]; len(v) > 0 {
			comps = append(comps, httpsig.Component{Name: "content-type", Value: v[0]})
		}
		comps = append(comps, httpsig.Component{Name: "content-digest", Value: digest})
	}
	if v := h[hIdempotencyKey]; len(v) > 0 {
		comps = append(comps, httpsig.Component{Name: "idempotency-key", Value: v[0]})
	}
	if v := h[hClientID]; len(v) > 0 {
		comps = append(comps, httpsig.Component{Name: "upvest-client-id", Value: v[0]})
	}
	in := httpsig.Input{
		Style:      httpsig.V15,
		Components: comps,
		KeyID:      k.keyID,
		Created:    created,
		Expires:    expires,
	}
	input, signature, err := httpsig.Sign(req.Context(), k.key, s.Rand, &in)
	if err != nil {
		return fmt.Errorf("middleware: signing with key id %q: %w", k.keyID, err)
	}
	// One array backs the header values; each slice is capped at its own
	// element, so an Add to one header cannot write into another.
	vals := &[4]string{signatureVersion, input, signature, digest}
	h[hSigVersion] = vals[0:1:1]
	h[hSignatureInput] = vals[1:2:2]
	h[hSignature] = vals[2:3:3]
	if digest != "" {
		h[hContentDigest] = vals[3:4:4]
	} else {
		delete(h, hContentDigest)
	}
	return nil
}
