// Package clock holds the real waits the client, its token cache and its
// waiters share; tests swap them for internal/fakeclock's.
package clock

import "time"

// Sleep waits d or until done closes; it reports whether it waited fully.
// A d ≤ 0 returns at once (false if done is already closed).
func Sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
