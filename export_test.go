package upvest

import "github.com/upvest-go/upvest/internal/fakeclock"

// WithClock gives the client, and the token cache it builds, c's clock:
// retry waits, Retry-After dates, token hold-offs and waiter polls move c
// on instead of taking wall time. For this package's tests only.
func WithClock(c *fakeclock.Clock) Option {
	return func(o *options) { o.now, o.sleep = c.Now, c.Sleep }
}
