package sandbox

import (
	"crypto"
	"errors"
	"sync"
	"time"
)

// auth holds what admits a call: the tenant's credentials and uploaded
// public keys, the tokens issued, and the nonces seen. It owns its lock.
// Tokens and nonces expire by the sandbox's clock and are swept, so what it
// remembers is bounded by the call rate, not by the run's length.
type auth struct {
	clientID, secret string
	cfg              Config

	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	tokens  map[string]token
	nonces  map[string]time.Time // key id + nonce → when it can be forgotten
	sweepAt time.Time
}

type token struct {
	scopes  []string
	expires time.Time
}

func newAuth(cfg Config, clientID, secret string) *auth {
	return &auth{
		clientID: clientID, secret: secret, cfg: cfg,
		keys: map[string]crypto.PublicKey{}, tokens: map[string]token{}, nonces: map[string]time.Time{},
	}
}

func (a *auth) addKey(keyID string, pub crypto.PublicKey) {
	a.mu.Lock()
	a.keys[keyID] = pub
	a.mu.Unlock()
}

func (a *auth) key(keyID string) (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.keys[keyID]
	if !ok {
		return nil, errors.New("no public key uploaded under this id")
	}
	return k, nil
}

// sweepLocked forgets expired nonces and tokens, at most every sweepEvery.
func (a *auth) sweepLocked(now time.Time) {
	if now.Before(a.sweepAt) {
		return
	}
	a.sweepAt = now.Add(sweepEvery)
	for k, until := range a.nonces {
		if now.After(until) {
			delete(a.nonces, k)
		}
	}
	for k, t := range a.tokens {
		if now.After(t.expires.Add(expiredTokenMemory)) {
			delete(a.tokens, k)
		}
	}
}

// useNonce records nonce as used until until and reports whether it was new.
func (a *auth) useNonce(nonce string, until, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweepLocked(now)
	if t, seen := a.nonces[nonce]; seen && !now.After(t) {
		return false
	}
	a.nonces[nonce] = until
	return true
}

// AddClientKey registers the public half of a client signing key (ECDSA
// P-521 or Ed25519) under keyID.
func (s *Sandbox) AddClientKey(keyID string, pub crypto.PublicKey) { s.auth.addKey(keyID, pub) }
