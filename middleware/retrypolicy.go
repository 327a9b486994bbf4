package middleware

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says how often, and after how long, a failed request is
// tried again. It is the one back-off of this module: package upvest
// retries calls by it (upvest.RetryPolicy is an alias of this type) and
// Tokens retries token requests by it (Tokens.Retry).
//
// Waits grow exponentially with full jitter: before retry n (1-based) a
// random time between zero and Ceiling(n) = min(MaxDelay,
// BaseDelay·2^(n-1)). A Retry-After from the server replaces that wait,
// capped at MaxRetryAfter (CapRetryAfter).
//
// The zero value of a field means DefaultRetryPolicy's value for it, so the
// zero RetryPolicy is the default policy; a negative field counts as zero.
// A RetryPolicy is a plain value: its methods do not change it and are
// safe for concurrent use.
type RetryPolicy struct {
	// MaxAttempts counts the first try: 1 disables retries. Default 4.
	MaxAttempts int
	// BaseDelay is the first retry's maximum wait. Default 200 ms.
	BaseDelay time.Duration
	// MaxDelay caps the exponential wait. Default 5 s.
	MaxDelay time.Duration
	// MaxRetryAfter caps an honoured Retry-After. Default 30 s.
	MaxRetryAfter time.Duration
	// Budget bounds a whole call, waits included: no retry starts after
	// it. Default 90 s. Tokens does not use it: each token request is
	// bounded by Tokens.FetchTimeout, and a fetch ends when its callers
	// give up.
	Budget time.Duration
}

// DefaultRetryPolicy returns the values a RetryPolicy's zero fields take:
// 4 attempts, waits from 200 ms up to 5 s, a Retry-After honoured up to
// 30 s, a 90 s budget.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   4,
		BaseDelay:     200 * time.Millisecond,
		MaxDelay:      5 * time.Second,
		MaxRetryAfter: 30 * time.Second,
		Budget:        90 * time.Second,
	}
}

// WithDefaults returns p with each zero (or negative) field replaced by
// DefaultRetryPolicy's value for it.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	return RetryPolicy{
		MaxAttempts:   positive(p.MaxAttempts, d.MaxAttempts),
		BaseDelay:     positive(p.BaseDelay, d.BaseDelay),
		MaxDelay:      positive(p.MaxDelay, d.MaxDelay),
		MaxRetryAfter: positive(p.MaxRetryAfter, d.MaxRetryAfter),
		Budget:        positive(p.Budget, d.Budget),
	}
}

// maxDoublings is how many times the ceiling doubles at most: from retry
// 31 on it stays at min(MaxDelay, BaseDelay·2^30).
const maxDoublings = 30

// Ceiling is the longest wait before retry n (1-based; n below 1 counts as
// 1): min(MaxDelay, BaseDelay·2^(n-1)), zero fields taking the defaults. A
// product too large for a time.Duration is MaxDelay, never wrapped round.
func (p RetryPolicy) Ceiling(n int) time.Duration {
	p = p.WithDefaults()
	shift := min(max(n-1, 0), maxDoublings)
	if p.BaseDelay > p.MaxDelay>>shift {
		return p.MaxDelay
	}
	return p.BaseDelay << shift
}

// Backoff is the wait before retry n (1-based) when the server named none:
// a random time in [0, Ceiling(n)] (full jitter), each nanosecond as
// likely.
func (p RetryPolicy) Backoff(n int) time.Duration {
	// In uint64, Ceiling+1 cannot wrap round even for the largest Duration.
	return time.Duration(rand.Uint64N(uint64(p.Ceiling(n)) + 1))
}

// CapRetryAfter is the wait a Retry-After of d asks for: d, at most
// MaxRetryAfter (zero taking the default).
func (p RetryPolicy) CapRetryAfter(d time.Duration) time.Duration {
	return min(d, positive(p.MaxRetryAfter, DefaultRetryPolicy().MaxRetryAfter))
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
