package upvest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/upvest-go/upvest/middleware"
)

// RetryPolicy says when and how long a call is retried. Retried: 429, 500,
// 502, 503, 504 and connection failures, for GET and DELETE, and for POST
// because it always carries an idempotency key (the same on every attempt).
// Never retried: any other status, such as 400, 401 (beyond the one token
// refresh the middleware does), 403, 404, 409, 422.
//
// Its fields: MaxAttempts (counting the first try; 1 disables retries;
// default 4), BaseDelay (the first retry's maximum wait; default 200 ms),
// MaxDelay (the cap of the exponential wait; default 5 s), MaxRetryAfter
// (the cap of an honoured Retry-After; default 30 s) and Budget (the whole
// call, waits included: no retry starts after it; default 90 s). The zero
// value of a field means the default's.
//
// Waits grow exponentially with full jitter: before retry n, a random time
// between zero and min(MaxDelay, BaseDelay·2^(n-1)). A Retry-After from the server replaces
// that wait, capped at MaxRetryAfter (a value too large for any clock is
// capped, never wrapped round); a Retry-After that is zero, malformed or a
// date in the past leaves the normal back-off in place.
//
// It is middleware.RetryPolicy, the one back-off of the module: the token
// endpoint gets the same policy (all but Budget), applied once for all
// concurrent callers: a failed token exchange is retried inside the shared
// fetch (see middleware.Tokens), so a call's own attempts do not retry it
// again. A RetryPolicy is a plain value, safe for concurrent use.
type RetryPolicy = middleware.RetryPolicy

// DefaultRetryPolicy returns the policy New uses without WithRetryPolicy,
// whose values a policy's zero fields take: 4 attempts, waits from 200 ms
// up to 5 s, a Retry-After honoured up to 30 s, a 90 s budget.
func DefaultRetryPolicy() RetryPolicy { return middleware.DefaultRetryPolicy() }

// retryableStatus lists the statuses worth another attempt.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// What an attempt's failure means: whether to retry it, whether it may have
// had an effect, and how the caller and the logs see it.

var errTooLarge = errors.New("upvest: answer too large")

// statusError marks a call whose last answer was an error status, for its
// span.
type statusError struct{ status int }

func (e *statusError) Error() string { return strconv.Itoa(e.status) }

// readError marks a failure while reading an answer's body: transient.
type readError struct{ err error }

// Error implements the error interface.
func (e *readError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *readError) Unwrap() error { return e.err }

// transient reports whether a failed attempt is worth retrying: connection
// failures, timeouts and bodies cut short. Not retried here: token
// failures (the shared token fetch already retried them, once for all
// callers), redirects (never followed), local mistakes (bad arguments,
// signing) and oversize answers.
func transient(err error) bool {
	var re *readError
	if errors.As(err, &re) {
		return true
	}
	var redirect *middleware.RedirectError
	var oe *ResponseError
	switch {
	case errors.As(err, &redirect), errors.As(err, &oe):
		return false
	case errors.Is(err, middleware.ErrNotSigned):
		// Nothing was sent; only an attempt that ran out of time waiting
		// for the shared token fetch (which goes on) is worth another try.
		var te *middleware.TokenError
		return errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &te)
	}
	return true
}

// mayHaveReached reports whether an attempt may have had an effect on the
// server whose outcome is unknown: a 5xx answer, or a failure after the
// request's headers were written to a connection (wrote). Failures before
// that (no token, not signed, no connection made) and redirects are
// certain.
func mayHaveReached(resp *http.Response, err error, wrote bool) bool {
	if err == nil {
		return resp.StatusCode >= 500
	}
	var redirect *middleware.RedirectError
	return wrote && !errors.Is(err, middleware.ErrNotSigned) && !errors.As(err, &redirect)
}

// facadeError makes err, from an attempt, one of the facade's errors.
func facadeError(c *call, err error) error {
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return err
	}
	// A token failure is reported as itself: the transport's wrapping says
	// nothing the caller needs.
	var te *middleware.TokenError
	if errors.As(err, &te) {
		err = te
	}
	return &CallError{Method: c.op.Op.Method, Path: c.path, Err: err, Attempts: c.attempts}
}

// errorKind describes err for logs without any request detail.
func errorKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed"
	}
	var te *middleware.TokenError
	if errors.As(err, &te) {
		return "token request failed"
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return "transport error"
}

// definiteRefusal reports whether status refuses a request before any
// effect, so that an attempt answered with it settles whether a create
// under the same idempotency key happened: it did not, for a committed
// create would have been replayed instead.
func definiteRefusal(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusNotAcceptable, http.StatusUnprocessableEntity, http.StatusTooManyRequests:
		return true
	}
	return false
}

// answerError is the outcome of a call for its span: err, or the last
// answer's error status.
func answerError(ans *answer, err error) error {
	if err == nil && ans != nil && ans.status >= 400 {
		return &statusError{ans.status}
	}
	return err
}
