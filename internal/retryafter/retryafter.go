// Package retryafter reads the Retry-After header (RFC 9110 §10.2.3) the
// way every part of this module honours it: delay-seconds or an HTTP date,
// never negative, never overflowing.
package retryafter

import (
	"net/http"
	"time"
)

// maxSeconds is the largest delay-seconds value kept as it is; larger ones
// (up to any number of digits) become this many seconds, so a hostile
// value can never overflow time.Duration into a negative wait. Callers cap
// the result further.
const maxSeconds = 100 * 365 * 24 * 3600

// Parse returns the wait a Retry-After value asks for at now. It reports
// false for an absent, malformed, zero or negative value and for a date
// that is not in the future: the caller then uses its own back-off.
func Parse(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, ok := seconds(v); ok && secs > 0 {
		return time.Duration(secs) * time.Second, true
	} else if ok {
		return 0, false
	}
	t, err := http.ParseTime(v)
	if d := t.Sub(now); err == nil && d > 0 {
		return d, true
	}
	return 0, false
}

// Header is Parse of h's Retry-After.
func Header(h http.Header, now time.Time) (time.Duration, bool) {
	return Parse(h.Get("Retry-After"), now)
}

// seconds parses 1*DIGIT, saturating at maxSeconds.
func seconds(v string) (int64, bool) {
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, maxSeconds), true
}
