package webhook

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// replayKey names one signed delivery by what its signature covers: the
// SHA-256 of its signature base (covered components and parameters, nonce
// included when there is one). Two signatures of the same base, such as the
// two valid ECDSA signatures (r, s) and (r, N-s), share it.
type replayKey [sha256.Size]byte

// replayKeyOf returns the replay key of a signature VerifyRequest has just
// accepted: the hash of the base it verified.
func replayKeyOf(in *httpsig.SignatureInput) replayKey {
	return sha256.Sum256(in.Base)
}

// replayCache remembers the deliveries a Verifier accepted until they can no
// longer verify, so that a replay is refused. It is per process and in
// memory; it is the one place that would change for a store shared by
// several replicas. The zero value is ready; it is safe for concurrent use.
type replayCache struct {
	mu    sync.Mutex
	seen  map[replayKey]time.Time // key → first instant it is forgotten
	sweep time.Time               // next time expired entries are dropped
}

// claim records k until until and reports whether it was new at now; a key
// already recorded and not yet expired is not claimed again.
func (c *replayCache) claim(k replayKey, until, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[replayKey]time.Time)
	}
	if !now.Before(c.sweep) {
		for key, t := range c.seen {
			if !now.Before(t) {
				delete(c.seen, key)
			}
		}
		c.sweep = now.Add(time.Minute)
	}
	if t, ok := c.seen[k]; ok && now.Before(t) {
		return false
	}
	c.seen[k] = until
	return true
}

// release forgets k, so that the same delivery is accepted again: for one
// that was verified but not handled, which the sender retries.
func (c *replayCache) release(k replayKey) {
	c.mu.Lock()
	delete(c.seen, k)
	c.mu.Unlock()
}
