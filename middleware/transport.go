package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Transport is an http.RoundTripper that makes each request what Upvest
// requires, on a clone, immediately before sending it: upvest-client-id,
// upvest-api-version and accept (when missing), a bearer token with the
// scopes the operation needs (unless Tokens is nil, as for the token call
// itself), and a fresh v15 signature over the final request.
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
// The body is read once; the clone sent carries it without GetBody, so
// net/http never replays a signed request (and its nonce) on its own.
// Retries belong above, re-signed: package upvest does them.
//
// Set the fields before first use; a Transport is then safe for concurrent
// use. Signer is required.
type Transport struct {
	// Base sends the signed request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Signer signs every request. Required.
	Signer *Signer
	// ClientID is sent as upvest-client-id when the request has none.
	ClientID string
	// Tokens supplies bearer tokens; nil sends none (the token call).
	Tokens *Tokens
	// BaseURL is the API's base. Only requests to its scheme and host are
	// signed, and its path is stripped before the operation (and so the
	// scopes) is looked up. nil signs every request.
	BaseURL *url.URL
}

// ErrNotSigned means the request could not be prepared; nothing was sent.
var ErrNotSigned = errors.New("middleware: request not sent")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.BaseURL != nil && (req.URL.Host != t.BaseURL.Host || req.URL.Scheme != t.BaseURL.Scheme) {
		return base.RoundTrip(req)
	}
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %w", ErrNotSigned, err)
	}
	ctx := req.Context()
	var scopes []string
	var key string
	if t.Tokens != nil {
		if s, ok := ctx.Value(scopesKey{}).(scopeSet); ok {
			scopes, key = s.scopes, s.key
		} else {
			path := req.URL.Path
			if t.BaseURL != nil {
				path = strings.TrimPrefix(path, strings.TrimSuffix(t.BaseURL.Path, "/"))
			}
			r, err := lookup(req.Method, path)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotSigned, err)
			}
			scopes, key = r.Scopes, r.Key
		}
	}
	for attempt := 0; ; attempt++ {
		out := req.Clone(ctx)
		h := out.Header
		if t.ClientID != "" && len(h[hClientID]) == 0 {
			h[hClientID] = []string{t.ClientID}
		}
		if len(h[hAPIVersion]) == 0 {
			h[hAPIVersion] = []string{APIVersion}
		}
		if len(h[hAccept]) == 0 {
			h[hAccept] = []string{"application/json"}
		}
		var token string
		if scopes != nil {
			token, err = t.Tokens.token(ctx, scopes, key)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotSigned, err)
			}
			h[hAuthorization] = []string{"Bearer " + token}
		}
		out.GetBody = nil
		out.ContentLength = int64(len(body))
		if len(body) > 0 {
			out.Body = io.NopCloser(bytes.NewReader(body))
		} else {
			out.Body = nil
		}
		if err := t.Signer.Sign(out, body); err != nil {
			return nil, fmt.Errorf("%w: signing: %w", ErrNotSigned, err)
		}
		resp, err := base.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		if err := refuseRedirect(out, resp); err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusUnauthorized || scopes == nil || attempt > 0 {
			return resp, nil
		}
		// The token was refused: expired or revoked. Drop it and try once
		// more with a new token and a new signature.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		t.Tokens.invalidate(key, token)
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
