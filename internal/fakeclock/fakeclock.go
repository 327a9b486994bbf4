// Package fakeclock is the clock tests give the client, its token cache,
// the webhook receiver and the sandbox instead of the wall clock: time
// moves only when a wait asks it to (or Advance does), so a test never
// depends on how fast a loaded machine runs.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a clock that stands still until a Sleep or Advance moves it.
// Sleep returns at once, having moved the clock on by its duration, so
// back-offs and Retry-After waits cost no wall time and are recorded. The
// zero value is not usable: call New. A Clock is safe for concurrent use.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// Epoch is where New's clocks start: a fixed instant, so dates made from
// it (HTTP-dates have whole seconds) are exact.
var Epoch = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// New returns a clock standing at Epoch.
func New() *Clock { return At(Epoch) }

// At returns a clock standing at t.
func At(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t, back or forth.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Sleep records d and moves the clock on by it, without waiting, unless
// done is already closed; it reports whether it "waited" fully. Its
// signature is the client's and the token cache's sleep.
func (c *Clock) Sleep(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		return false
	default:
	}
	c.mu.Lock()
	c.waits = append(c.waits, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	return true
}

// Waits returns the durations Sleep was asked for, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
