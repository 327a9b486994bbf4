package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/upvest-go/upvest/internal/redact"
	"github.com/upvest-go/upvest/internal/retryafter"
)

// TokenError reports a failed token exchange: the endpoint's answer when
// there was one (status, problem type, detail, request id, Retry-After),
// else the failure that prevented one (Err: a connection error, a
// *RedirectError, a timeout, ErrTokensConfig). It is one line and never
// carries the client secret in any encoding: the answer's text is
// scrubbed, and the raw answer is not kept.
type TokenError struct {
	// Scopes are the scopes the token was asked for.
	Scopes []string
	// StatusCode is the token endpoint's HTTP status, or 0 without an answer.
	StatusCode int
	// Type is the problem's type, or the OAuth2 error code (such as
	// invalid_client for a wrong client id or secret).
	Type string
	// Detail is the problem's detail (or title), or the OAuth2
	// error_description, or the start of a body that was neither.
	Detail string
	// RequestID is the upvest-request-id header, else the problem's
	// request_id.
	RequestID string
	// RetryAfter is the Retry-After the endpoint sent, or zero.
	RetryAfter time.Duration
	// Err is why there was no usable answer, or nil.
	Err error
}

// Error names the scopes, the status, type and detail, and the request id.
func (e *TokenError) Error() string {
	var b strings.Builder
	if e.StatusCode == 0 {
		fmt.Fprintf(&b, "token request for scopes %q failed", strings.Join(e.Scopes, " "))
	} else {
		typ := e.Type
		if typ == "" {
			typ = http.StatusText(e.StatusCode)
		}
		fmt.Fprintf(&b, "token request refused: HTTP %d %s", e.StatusCode, typ)
		if e.StatusCode == http.StatusForbidden {
			fmt.Fprintf(&b, " for scopes %q", strings.Join(e.Scopes, " "))
		}
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	return oneLine(b.String())
}

// Unwrap returns Err.
func (e *TokenError) Unwrap() error { return e.Err }

// retryable reports whether another token request may succeed: no answer
// at all (a connection failure, a timeout of the request), 429 or 5xx.
// Redirects, configuration mistakes and refusals (4xx) are final.
func (e *TokenError) retryable() bool {
	switch e.StatusCode {
	case 0:
		var re *RedirectError
		return !errors.As(e.Err, &re) && !errors.Is(e.Err, ErrTokensConfig) && !errors.Is(e.Err, context.Canceled)
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxDetail bounds the detail kept from an answer.
const maxDetail = 300

// tokenError turns x/oauth2's error into a *TokenError, reading what the
// endpoint answered and scrubbing the secret from it. x/oauth2's
// *RetrieveError (which holds the raw answer) is not kept.
func (t *Tokens) tokenError(scopes []string, err error) *TokenError {
	te := &TokenError{Scopes: scopes}
	forms := redact.Forms(t.ClientID, t.ClientSecret)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		te.Err = scrubError(err, forms)
		return te
	}
	resp := re.Response
	te.StatusCode = resp.StatusCode
	te.RequestID = resp.Header.Get("Upvest-Request-Id")
	te.RetryAfter, _ = retryafter.Header(resp.Header, t.now())
	var body struct {
		Type, Title, Detail, Error string
		RequestID                  string `json:"request_id"`
		Description                string `json:"error_description"`
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case (mt == "application/json" || mt == "application/problem+json") && json.Unmarshal(re.Body, &body) == nil:
		te.Type = firstOf(body.Type, body.Error)
		te.Detail = firstOf(body.Detail, body.Description, body.Title)
		te.RequestID = firstOf(te.RequestID, body.RequestID)
	default:
		te.Detail = string(re.Body)
	}
	te.Type = clip(redact.Scrub(te.Type, forms), 80)
	te.Detail = clip(redact.Scrub(te.Detail, forms), maxDetail)
	te.RequestID = clip(redact.Scrub(te.RequestID, forms), 80)
	return te
}

// scrubError returns err unchanged when neither its message nor that of
// any error it wraps holds a form of the secret; otherwise an error with
// err's message scrubbed, wrapping nothing (what it wrapped would show the
// secret to errors.Unwrap).
func scrubError(err error, forms []string) error {
	if err == nil || !showsSecret(err, forms) {
		return err
	}
	return &scrubbedError{msg: redact.Scrub(err.Error(), forms)}
}

// showsSecret reports whether err's message, or that of an error in its
// tree, holds one of forms.
func showsSecret(err error, forms []string) bool {
	if err == nil {
		return false
	}
	if msg := err.Error(); redact.Scrub(msg, forms) != msg {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return showsSecret(u.Unwrap(), forms)
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(u.Unwrap(), func(e error) bool { return showsSecret(e, forms) })
	}
	return false
}

// scrubbedError is an error of the token exchange whose message had the
// client secret in it, scrubbed.
type scrubbedError struct{ msg string }

func (e *scrubbedError) Error() string { return e.msg }

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip flattens s to one line and cuts it to at most n bytes on a rune
// boundary.
func clip(s string, n int) string {
	s = oneLine(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// oneLine replaces control characters (line breaks included) by spaces.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
