package middleware

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// DefaultValidity is how long a signature stays valid when Signer.Validity is
// zero: expires = created + DefaultValidity.
const DefaultValidity = 30 * time.Second

// Canonical header keys, looked up without re-canonicalising on every request.
const (
	hAccept          = "Accept"
	hAuthorization   = "Authorization"
	hContentType     = "Content-Type"
	hContentDigest   = "Content-Digest"
	hIdempotencyKey  = "Idempotency-Key"
	hClientID        = "Upvest-Client-Id"
	hAPIVersion      = "Upvest-Api-Version"
	hSigVersion      = "Upvest-Signature-Version"
	hSignature       = "Signature"
	hSignatureInput  = "Signature-Input"
	signatureVersion = "15"
)

// Signer makes Upvest's v15 HTTP message signatures. Key and KeyID are
// required; the other fields have working zero values. A Signer is safe for
// concurrent use once built; do not change its fields afterwards.
type Signer struct {
	// Key signs. Required.
	Key *Key
	// KeyID is the id Upvest gave the uploaded public key (not the client
	// id). Required.
	KeyID string
	// Validity is expires - created; zero means DefaultValidity.
	Validity time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the nonce source; nil means crypto/rand.
	Rand io.Reader
}

// ErrSigner reports a Signer without a key or key id.
var ErrSigner = errors.New("middleware: signer needs a Key and a KeyID")

// Sign signs req, whose body is body (nil or empty for none), and sets
// content-digest (with a body), upvest-signature-version, signature-input and
// signature on req.Header. It covers, in this order and each only when its
// condition holds: @method, @path, @query (with a query), accept,
// authorization, content-length, content-type and content-digest (with a
// body), idempotency-key and upvest-client-id (when present).
//
// Sign modifies req: pass a request you own, such as a clone. req.ContentLength
// must equal len(body).
func (s *Signer) Sign(req *http.Request, body []byte) error {
	if s == nil || s.Key == nil || s.KeyID == "" {
		return ErrSigner
	}
	h := req.Header
	var nonce [16]byte
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, nonce[:]); err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	validity := s.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	created := now().Unix()

	var compArr [10]httpsig.Component
	var nameArr [10]string
	comps := compArr[:0]
	add := func(name, value string) {
		comps = append(comps, httpsig.Component{Name: name, Value: value})
	}
	add("@method", req.Method)
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	add("@path", path)
	if req.URL.RawQuery != "" {
		add("@query", "?"+req.URL.RawQuery)
	}
	if v := h[hAccept]; len(v) > 0 {
		add("accept", v[0])
	}
	if v := h[hAuthorization]; len(v) > 0 {
		add("authorization", v[0])
	}
	if len(body) > 0 {
		digest := httpsig.ContentDigest(body)
		h[hContentDigest] = []string{digest}
		add("content-length", strconv.Itoa(len(body)))
		if v := h[hContentType]; len(v) > 0 {
			add("content-type", v[0])
		}
		add("content-digest", digest)
	} else {
		delete(h, hContentDigest)
	}
	if v := h[hIdempotencyKey]; len(v) > 0 {
		add("idempotency-key", v[0])
	}
	if v := h[hClientID]; len(v) > 0 {
		add("upvest-client-id", v[0])
	}
	names := nameArr[:len(comps)]
	for i, c := range comps {
		names[i] = c.Name
	}
	p := httpsig.Params{
		Names:   names,
		KeyID:   s.KeyID,
		Created: created,
		Expires: created + int64(validity/time.Second),
		Nonce:   base64.RawURLEncoding.EncodeToString(nonce[:]),
	}
	buf := make([]byte, 0, 1024)
	buf = append(buf, "sig1="...)
	buf = httpsig.AppendParams(buf, &p)
	input := string(buf) // the signature-input header; its params follow "sig1="
	params := input[len("sig1="):]
	base := httpsig.AppendBase(buf[len(buf):], httpsig.V15, comps, params)
	sig, err := s.Key.Sign(base)
	if err != nil {
		return err
	}
	out := make([]byte, 0, 6+base64.StdEncoding.EncodedLen(len(sig)))
	out = append(out, "sig1=:"...)
	out = base64.StdEncoding.AppendEncode(out, sig)
	out = append(out, ':')
	h[hSigVersion] = []string{signatureVersion}
	h[hSignatureInput] = []string{input}
	h[hSignature] = []string{string(out)}
	return nil
}
