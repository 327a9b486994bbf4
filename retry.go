package upvest

import (
	"net/http"

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
