package webhook

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Defaults of RemoteKeys.
const (
	// DefaultRefetchInterval is the least time after a successful fetch
	// before the next one.
	DefaultRefetchInterval = time.Minute
	// DefaultRetryInterval is the least time after a failed fetch before
	// the next one.
	DefaultRetryInterval = 5 * time.Second
	// DefaultFetchTimeout bounds one fetch.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxAge is how long a fetched key set is trusted before it is
	// fetched again.
	DefaultMaxAge = time.Hour
	// DefaultGrace is how long past its MaxAge a key set still serves
	// while it cannot be fetched again.
	DefaultGrace = 30 * time.Minute
)

// RemoteKeys fetches the JWKS from the API (GET /auth/verify_keys), caches it
// and fetches it again when a delivery names an unknown kid, so that a key
// Upvest has just rotated in is picked up, and once the cached set is older
// than MaxAge, so that a key Upvest has withdrawn stops verifying.
//
// A known kid is answered from the cache at once, even while a fetch is
// under way. Concurrent lookups of unknown kids share one fetch, which runs
// detached from their contexts (a caller that gives up does not cancel it)
// and is bounded by FetchTimeout. After a fetch completes, no other starts
// for MinInterval when it succeeded, or for RetryInterval when it failed;
// an unknown kid within that time is refused at once (ErrUnknownKey), so
// junk kids cannot make it fetch more often. Keys of the set that cannot
// verify deliveries (an Ed25519 key, say) are skipped and reported to
// OnSkippedKey; a fetched set fails only when no key is usable, and the
// keys cached before are then kept.
//
// A set is trusted for MaxAge (default one hour) from the fetch that got
// it. The first lookup after that starts a fetch and is still answered from
// the set (no delivery waits for it); once the fetch completes, keys gone
// from the JWKS are refused. While fetches fail, the set serves for Grace
// more, with a warning logged for each failed fetch; past MaxAge + Grace
// its keys are refused (an error is logged) and a lookup waits for a fetch
// as for an unknown kid, until one succeeds. A withdrawn key is thus
// trusted for at most MaxAge and one fetch while Upvest's JWKS answers, and
// MaxAge + Grace while it does not.
//
// Fetch is required; the other fields have working zero values. Set them
// before first use; a RemoteKeys is then safe for concurrent use. Use it by
// pointer.
type RemoteKeys struct {
	// Fetch returns the JWKS document, such as upvest.Client.WebhookKeys.
	// Its context carries the values of the lookup that started the fetch,
	// but not its cancellation, and ends after FetchTimeout.
	Fetch func(ctx context.Context) ([]byte, error)
	// MinInterval is the least time after a successful fetch before the
	// next one; zero means DefaultRefetchInterval.
	MinInterval time.Duration
	// RetryInterval is the least time after a failed fetch before the next
	// one; zero means DefaultRetryInterval.
	RetryInterval time.Duration
	// FetchTimeout bounds each fetch; zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// MaxAge is how long a fetched set is trusted before it is fetched
	// again; zero means DefaultMaxAge. Less than MinInterval counts as
	// MinInterval.
	MaxAge time.Duration
	// Grace is how long past MaxAge the set still serves while it cannot
	// be fetched again; zero means DefaultGrace.
	Grace time.Duration
	// OnSkippedKey, when set, is told about every key of a fetched set that
	// cannot verify deliveries, once per fetch, before the lookups waiting
	// for that fetch return. It must not call back into the RemoteKeys. A
	// panic in it is recovered and logged to Logger.
	OnSkippedKey func(*SkippedKeyError)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what RemoteKeys can report nowhere else: a warning
	// when the set is older than MaxAge and cannot be fetched again, an
	// error when it is past its grace or OnSkippedKey panicked; nil means
	// slog.Default().
	Logger *slog.Logger
	// TracerProvider, when set, traces each fetch ("upvest.webhook.jwks.fetch",
	// under the span of the lookup that started it, with the numbers of
	// keys usable and skipped); nil traces nothing.
	TracerProvider trace.TracerProvider

	mu       sync.Mutex
	keys     StaticKeys // the last usable set fetched
	fetched  time.Time  // when keys were fetched
	next     time.Time  // no fetch starts before this
	lastErr  error      // why the last fetch failed, nil when it did not
	inflight *keyFetch  // the fetch under way, nil when none
}

// keyFetch is one fetch that lookups wait for; keys and err are set before
// done is closed.
type keyFetch struct {
	done chan struct{}
	keys StaticKeys
	err  error
}

// Key implements KeySource.
func (r *RemoteKeys) Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	r.mu.Lock()
	now := r.now()
	age := r.ageLocked(now)
	if k, ok := r.keys[kid]; ok && age != expired {
		if age == stale && r.inflight == nil && !now.Before(r.next) {
			_, _ = r.startLocked(ctx) // Fetch is set: r.keys came from it
		}
		r.mu.Unlock()
		return k, nil
	}
	call := r.inflight
	if call == nil {
		if now.Before(r.next) {
			err := r.refusalLocked(kid, now, age)
			r.mu.Unlock()
			return nil, err
		}
		var err error
		if call, err = r.startLocked(ctx); err != nil {
			r.mu.Unlock()
			return nil, err
		}
	}
	r.mu.Unlock()
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %q: gave up waiting for the keys: %w", ErrUnknownKey, kid, ctx.Err())
	}
	if call.err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrUnknownKey, kid, call.err)
	}
	if k, ok := call.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q is not among the %d published keys", ErrUnknownKey, kid, len(call.keys))
}

// refusalLocked says why kid is refused without a fetch (one is held off);
// r.mu is held.
func (r *RemoteKeys) refusalLocked(kid string, now time.Time, age setAge) error {
	wait := r.next.Sub(now).Round(time.Second)
	switch {
	case age == expired && r.lastErr != nil:
		return fmt.Errorf("%w: %q: the keys fetched at %s are past their grace and the last fetch failed (%v); next fetch in %s",
			ErrUnknownKey, kid, r.fetched.UTC().Format(time.RFC3339), r.lastErr, wait)
	case r.lastErr != nil:
		return fmt.Errorf("%w: %q: the last fetch of the keys failed (%v); next fetch in %s", ErrUnknownKey, kid, r.lastErr, wait)
	}
	return fmt.Errorf("%w: %q is not among the %d keys fetched; next fetch in %s", ErrUnknownKey, kid, len(r.keys), wait)
}

// Refresh fetches the keys now, whatever the hold-off (or waits for the
// fetch under way), and returns why that failed: to check at start-up that
// the keys can be had. Its error wraps Fetch's, or ErrBadKeySet.
func (r *RemoteKeys) Refresh(ctx context.Context) error {
	r.mu.Lock()
	call := r.inflight
	if call == nil {
		var err error
		if call, err = r.startLocked(ctx); err != nil {
			r.mu.Unlock()
			return err
		}
	}
	r.mu.Unlock()
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return fmt.Errorf("webhook: gave up waiting for the verification keys: %w", ctx.Err())
	}
}
