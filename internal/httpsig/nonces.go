package httpsig

import (
	"sync"
	"time"
)

// Nonces remembers used nonces until their signature expires. The zero value
// is ready; it is safe for concurrent use.
type Nonces struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	sweep time.Time
}

// Use records nonce as used until until, and reports whether it was new.
func (n *Nonces) Use(nonce string, until, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = make(map[string]time.Time)
	}
	if now.After(n.sweep) {
		for k, t := range n.seen {
			if now.After(t) {
				delete(n.seen, k)
			}
		}
		n.sweep = now.Add(time.Minute)
	}
	if t, ok := n.seen[nonce]; ok && !now.After(t) {
		return false
	}
	n.seen[nonce] = until
	return true
}

// Forget drops nonce, so that the same signed request is accepted again: for
// a delivery that was verified but could not be handled, which the sender
// will retry.
func (n *Nonces) Forget(nonce string) {
	n.mu.Lock()
	delete(n.seen, nonce)
	n.mu.Unlock()
}
