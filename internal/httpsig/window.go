package httpsig

import "time"

// Now reads clock, or time.Now when clock is nil: the one place where a
// signer's or a verifier's optional clock gets its default.
func Now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

// Window returns the created and expires parameters (Unix seconds) of a
// signature made at Now(clock), valid for validity, or for def when
// validity is not positive.
func Window(clock func() time.Time, validity, def time.Duration) (created, expires int64) {
	if validity <= 0 {
		validity = def
	}
	created = Now(clock).Unix()
	return created, created + int64(validity/time.Second)
}
