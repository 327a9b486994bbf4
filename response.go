package upvest

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/retryafter"
	"github.com/upvest-go/upvest/middleware"
)

// validator is a decoded answer that can check its required fields.
type validator interface{ validate() string }

// finish turns what the generated client returned for the call c into
// the facade's outcome: the answer the doer read (c.ans) decoded into out
// when its status is want, else a typed error. out may be nil for answers
// without a body. An error from the generated client is already one of the
// facade's, or the request could not be built (ErrInvalidArgument).
func finish(c *call, resp *http.Response, err error, want int, out validator) error {
	if err != nil {
		var callErr *CallError
		var respErr *ResponseError
		if errors.As(err, &callErr) || errors.As(err, &respErr) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	resp.Body.Close() // c.ans holds the body
	return decode(c, c.ans, want, out)
}

// decode turns an answer into out (when the status is want) or a typed
// error.
func decode(c *call, ans *answer, want int, out validator) error {
	method, path := c.op.Op.Method, c.path
	rid := ans.header.Get("Upvest-Request-Id")
	ct := ans.header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(ct)
	respErr := func(reason string, err error) error {
		return &ResponseError{Method: method, Path: path, StatusCode: ans.status, RequestID: rid, ContentType: ct, Reason: reason, Err: err}
	}
	switch {
	case ans.status == want && out == nil:
		return nil
	case ans.status == want:
		if mediaType != "application/json" {
			return respErr("want application/json", nil)
		}
		if err := json.Unmarshal(ans.body, out); err != nil {
			return respErr("malformed JSON", err)
		}
		if missing := out.validate(); missing != "" {
			return respErr("does not match the API document: "+missing, nil)
		}
		return nil
	case ans.status >= 400:
		return problemError(method, path, ans, rid, ct, mediaType)
	default:
		return respErr("status not in the API document", nil)
	}
}

// problemError builds the *APIError of an error answer.
func problemError(method, path string, ans *answer, rid, ct, mediaType string) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: ans.status, HeaderRequestID: rid}
	if ra, ok := retryafter.Header(ans.header, time.Now()); ok {
		e.RetryAfter = ra
	}
	var p gen.Problem
	reason := ""
	switch {
	case mediaType != "application/problem+json" && mediaType != "application/json":
		reason = "want application/problem+json"
	case json.Unmarshal(ans.body, &p) != nil:
		reason = "malformed problem+json"
	case p.Type == "" || p.Status == 0:
		reason = "problem without type or status"
	}
	if reason != "" {
		e.Err = &ResponseError{Method: method, Path: path, StatusCode: ans.status, RequestID: rid, ContentType: ct, Reason: reason}
		return e
	}
	e.Type = p.Type
	e.Title, e.Detail, e.Instance, e.RequestID = p.Title, p.Detail, p.Instance, p.RequestID
	return e
}

// CallError is a call that got no answer from the API: the connection
// failed, the attempt timed out, the API answered with a redirect (a
// *middleware.RedirectError; none is ever followed), the token could not
// be fetched (a *middleware.TokenError, with the token endpoint's status,
// problem type and request id), or the request could not be signed. Err
// says which; errors.Is(err, context.DeadlineExceeded) and errors.As work
// through it. A refused token exchange also matches the sentinel of its
// status: a wrong client secret is errors.Is(err, ErrUnauthorized) with a
// *middleware.TokenError inside, while a token the API refused is an
// *APIError.
type CallError struct {
	Method, Path string
	Err          error
	// IdempotencyKey is the key every attempt of a create sent, or empty.
	IdempotencyKey string
}

// Error implements the error interface: one line.
func (e *CallError) Error() string {
	var b strings.Builder
	b.WriteString("upvest: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(e.Err.Error())
	appendKey(&b, e.IdempotencyKey)
	return b.String()
}

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// Is matches the sentinel of a refused token exchange's status.
func (e *CallError) Is(target error) bool {
	var te *middleware.TokenError
	return errors.As(e.Err, &te) && te.StatusCode != 0 && statusIs(te.StatusCode, target)
}

func (e *CallError) idempotencyKey() string { return e.IdempotencyKey }
