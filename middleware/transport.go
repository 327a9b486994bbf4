package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/propagation"

	"github.com/upvest-go/upvest/internal/routes"
)

// APIVersion is the only upvest-api-version there is.
const APIVersion = "1"

// Transport is an http.RoundTripper that adds, immediately before sending
// each request, what must be fresh on every attempt: a bearer token with
// the scopes the operation needs (unless Tokens is nil, as for the token
// call itself), and a new v15 signature over the final request, with its
// content-digest. The operation is the one package upvest put in the
// request's context, else the one the document gives the method and path.
// A request that lacks them also gets the headers fixed for a call
// (HeadersEditor's upvest-client-id, upvest-api-version, accept and
// user-agent; a new idempotency key for an operation that requires one):
// the token exchange runs no editor.
//
// A 3xx answer from the API host is never followed: it becomes a
// *RedirectError whatever the http.Client's CheckRedirect says, so neither
// the token request's client secret nor a signed create is re-sent to
// where it points. Requests to a host other than BaseURL's pass through
// untouched: they carry no token and no signature.
//
// If the server answers 401, the token the request carried is dropped (an
// expired or revoked token is the usual cause, and even a token fetched a
// moment ago can have been revoked since) and the request is sent once more,
// newly signed, with a new token. A second 401 is returned as is.
//
// RoundTrip works on a clone and never modifies the caller's request. The
// body reaches the network without GetBody, so net/http never replays a
// signed request (and its nonce) on its own. Retries belong above,
// re-signed: package upvest's doer does them.
//
// Set the fields before first use and do not change them after; a
// Transport is then safe for concurrent use. Signer is required.
type Transport struct {
	// Base sends the signed request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Signer signs every request. Required.
	Signer *Signer
	// ClientID is sent as upvest-client-id.
	ClientID string
	// UserAgent is sent as user-agent; empty sends net/http's default.
	UserAgent string
	// Tokens supplies bearer tokens; nil sends none (the token call).
	Tokens *Tokens
	// BaseURL is the API's base. Only requests to its scheme and host are
	// signed, and its path is stripped before the operation (and so the
	// scopes) is looked up. nil signs every request.
	BaseURL *url.URL
	// Propagator, when set, injects the request context's trace context
	// into its headers (traceparent for propagation.TraceContext); nil
	// sends none.
	Propagator propagation.TextMapPropagator

	once    sync.Once
	headers fixedHeaders
}

// fixedHeaders are the header values every request shares. net/http only
// reads header slices, so one slice per value serves all requests.
type fixedHeaders struct {
	clientID, userAgent, apiVersion, accept []string
}

var (
	apiVersionValue = []string{APIVersion}
	acceptJSON      = []string{"application/json"}
)

func (t *Transport) fixed() *fixedHeaders {
	t.once.Do(func() {
		t.headers = fixedHeaders{apiVersion: apiVersionValue, accept: acceptJSON}
		if t.ClientID != "" {
			t.headers.clientID = []string{t.ClientID}
		}
		if t.UserAgent != "" {
			t.headers.userAgent = []string{t.UserAgent}
		}
	})
	return &t.headers
}

// ErrNotSigned means the request could not be prepared; nothing was sent.
var ErrNotSigned = errors.New("middleware: request not sent")

// RoundTrip implements http.RoundTripper: it reads the request's body and
// sends a clone through Send.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.ours(req) {
		return t.base().RoundTrip(req)
	}
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %w", ErrNotSigned, err)
	}
	return t.send(req.Clone(req.Context()), body)
}

func (t *Transport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// ours reports whether req goes to the API host.
func (t *Transport) ours(req *http.Request) bool {
	return t.BaseURL == nil || (req.URL.Host == t.BaseURL.Host && req.URL.Scheme == t.BaseURL.Scheme)
}

// send prepares out (which it may modify) and sends it, once more after a
// 401 with a new token.
func (t *Transport) send(out *http.Request, body []byte) (*http.Response, error) {
	ctx := out.Context()
	var scopes []string
	var key string
	var needsKey bool
	if s, ok := ctx.Value(scopesKey{}).(scopeSet); ok && t.Tokens != nil {
		scopes, key = s.scopes, s.key
	} else if t.Tokens != nil || out.Method == http.MethodPost {
		// The operation: looked up once per call by package upvest, or
		// here for a request that comes without it.
		r := routes.FromContext(ctx)
		var err error
		if r == nil {
			path := out.URL.Path
			if t.BaseURL != nil {
				path = strings.TrimPrefix(path, strings.TrimSuffix(t.BaseURL.Path, "/"))
			}
			r, err = lookup(out.Method, path)
		}
		switch {
		case err == nil:
			needsKey = r.Op.IdempotencyKey
			if t.Tokens != nil {
				scopes, key = r.Scopes, r.Key
			}
		case t.Tokens != nil:
			return nil, fmt.Errorf("%w: %w", ErrNotSigned, err)
		}
	}
	h := out.Header
	if h == nil {
		h = make(http.Header, 12)
		out.Header = h
	}
	// A caller's own value stands (a test asking for another accept, say).
	f := t.fixed()
	setDefault(h, hClientID, f.clientID)
	setDefault(h, hAPIVersion, f.apiVersion)
	setDefault(h, hAccept, f.accept)
	setDefault(h, hUserAgent, f.userAgent)
	if needsKey && len(h[hIdempotencyKey]) == 0 {
		// A caller below any retry loop: a key per request is all it can
		// have. Retrying callers set one per call (IdempotencyKeyEditor, or
		// package upvest's doer).
		h[hIdempotencyKey] = []string{NewIdempotencyKey()}
	}
	if t.Propagator != nil {
		t.Propagator.Inject(ctx, propagation.HeaderCarrier(h))
	}
	out.GetBody = nil
	out.ContentLength = int64(len(body))
	var offsetLearned, tokenRenewed bool
	for {
		var token string
		if scopes != nil {
			var bearer []string
			var err error
			token, bearer, err = t.Tokens.bearer(ctx, scopes, key)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotSigned, err)
			}
			h[hAuthorization] = bearer
		}
		if len(body) > 0 {
			out.Body = io.NopCloser(bytes.NewReader(body))
		} else {
			out.Body = nil
		}
		if err := t.Signer.Sign(out, body); err != nil {
			return nil, fmt.Errorf("%w: signing: %w", ErrNotSigned, err)
		}
		resp, err := t.base().RoundTrip(out)
		if err != nil {
			return nil, err
		}
		if err := refuseRedirect(out, resp); err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return resp, nil
		}
		// Refused: a clock that is off (the answer's Date says by how
		// much: learned once, the request is signed again), else an
		// expired or revoked token (dropped, and the request sent once
		// more with a new one). Either way on a fresh request: the one
		// sent may still be read by the connection's writer.
		switch {
		case !offsetLearned && t.Signer.learnOffset(resp.Header.Get("Date")):
			offsetLearned = true
		case scopes != nil && !tokenRenewed:
			tokenRenewed = true
			t.Tokens.invalidate(key, token)
		default:
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		out = out.Clone(ctx)
		h = out.Header
	}
}

// setDefault sets h[key] to v unless h has a value or v is nil.
func setDefault(h http.Header, key string, v []string) {
	if v != nil && len(h[key]) == 0 {
		h[key] = v
	}
}

// readBody reads and closes the request body (a RoundTripper must close it).
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	if req.ContentLength > 0 {
		buf := make([]byte, req.ContentLength)
		if _, err := io.ReadFull(req.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(req.Body)
}

// hUserAgent is the canonical User-Agent key.
const hUserAgent = "User-Agent"
