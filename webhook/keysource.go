package webhook

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sync"
	"time"
)

// KeySource finds the public key for a signature's keyid. Implementations
// must be safe for concurrent use.
type KeySource interface {
	Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error)
}

// StaticKeys is a fixed key set, from ParseJWKS or ParsePublicKeyPEM.
type StaticKeys map[string]*ecdsa.PublicKey

// Key implements KeySource.
func (s StaticKeys) Key(_ context.Context, kid string) (*ecdsa.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
}

// DefaultRefetchInterval is the least time between two fetches of
// RemoteKeys.
const DefaultRefetchInterval = time.Minute

// RemoteKeys fetches the JWKS from the API (GET /auth/verify_keys), caches it
// and fetches again on an unknown kid, at most once per MinInterval.
// Fetch is required; set the fields before first use.
type RemoteKeys struct {
	// Fetch returns the JWKS document, such as upvest.Client.WebhookKeys.
	Fetch func(ctx context.Context) ([]byte, error)
	// MinInterval is the least time between fetches; zero means
	// DefaultRefetchInterval.
	MinInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	keys    map[string]*ecdsa.PublicKey
	fetched time.Time
}

// Key implements KeySource.
func (r *RemoteKeys) Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	interval := r.MinInterval
	if interval <= 0 {
		interval = DefaultRefetchInterval
	}
	if !r.fetched.IsZero() && now().Sub(r.fetched) < interval {
		return nil, fmt.Errorf("%w: %q (keys fetched %s ago; next fetch allowed after %s)", ErrUnknownKey, kid, now().Sub(r.fetched).Round(time.Second), interval)
	}
	if r.Fetch == nil {
		return nil, errors.New("webhook: RemoteKeys.Fetch is nil")
	}
	r.fetched = now()
	data, err := r.Fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: fetching the keys failed: %w", ErrUnknownKey, kid, err)
	}
	keys, err := ParseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrUnknownKey, kid, err)
	}
	r.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q is not among the %d published keys", ErrUnknownKey, kid, len(keys))
}
