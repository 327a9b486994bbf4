package upvest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/upvest-go/upvest/middleware"
)

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
