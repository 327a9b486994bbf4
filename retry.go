package upvest

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryPolicy says when and how long a call is retried. Retried: 429, 500,
// 502, 503, 504 and connection failures, for GET and DELETE, and for POST
// because it always carries an idempotency key (the same on every attempt).
// Never retried: any other status, such as 400, 401 (beyond the one token
// refresh the middleware does), 403, 404, 409, 422.
//
// Waits grow exponentially with full jitter: a random time between zero and
// min(MaxDelay, BaseDelay·2^retry). A Retry-After from the server replaces
// that wait, capped at MaxRetryAfter (a value too large for any clock is
// capped, never wrapped round); a Retry-After that is zero, malformed or a
// date in the past leaves the normal back-off in place. The zero value of a
// field means the default's.
//
// The token endpoint gets the same policy, applied once for all concurrent
// callers: a failed token exchange is retried inside the shared fetch (see
// middleware.Tokens), so a call's own attempts do not retry it again.
type RetryPolicy struct {
	// MaxAttempts counts the first try: 1 disables retries. Default 4.
	MaxAttempts int
	// BaseDelay is the first retry's maximum wait. Default 200 ms.
	BaseDelay time.Duration
	// MaxDelay caps the exponential wait. Default 5 s.
	MaxDelay time.Duration
	// MaxRetryAfter caps an honoured Retry-After. Default 30 s.
	MaxRetryAfter time.Duration
	// Budget bounds the whole call, waits included: no retry starts after
	// it. Default 90 s.
	Budget time.Duration
}

// DefaultRetryPolicy returns the policy New uses without WithRetryPolicy,
// whose values a policy's zero fields take: 4 attempts, waits from 200 ms
// up to 5 s, a Retry-After honoured up to 30 s, a 90 s budget.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   4,
		BaseDelay:     200 * time.Millisecond,
		MaxDelay:      5 * time.Second,
		MaxRetryAfter: 30 * time.Second,
		Budget:        90 * time.Second,
	}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxRetryAfter > 0 {
		d.MaxRetryAfter = p.MaxRetryAfter
	}
	if p.Budget > 0 {
		d.Budget = p.Budget
	}
	return d
}

// backoff is the jittered wait before retry number n (1-based).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceiling := p.BaseDelay << min(n-1, 30)
	if ceiling <= 0 || ceiling > p.MaxDelay {
		ceiling = p.MaxDelay
	}
	return rand.N(ceiling + 1)
}

// retryableStatus lists the statuses worth another attempt.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
