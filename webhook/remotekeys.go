package webhook

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest/internal/httpsig"
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
)

// RemoteKeys fetches the JWKS from the API (GET /auth/verify_keys), caches it
// and fetches it again when a delivery names an unknown kid, so that a key
// Upvest has just rotated in is picked up.
//
// A known kid is answered from the cache at once, even while a fetch is
// under way. Concurrent lookups of unknown kids share one fetch, which runs
// detached from their contexts (a caller that gives up does not cancel it)
// and is bounded by FetchTimeout. After a fetch completes, no other starts
// for MinInterval when it succeeded, or for RetryInterval when it failed;
// an unknown kid within that time is refused at once (ErrUnknownKey). Keys
// of the set that cannot verify deliveries (an Ed25519 key, say) are skipped
// and reported to OnSkippedKey; a fetched set fails only when no key is
// usable, and the keys cached before are then kept.
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
	// OnSkippedKey, when set, is told about every key of a fetched set that
	// cannot verify deliveries, once per fetch, before the lookups waiting
	// for that fetch return. It must not call back into the RemoteKeys. A
	// panic in it is recovered and logged to Logger.
	OnSkippedKey func(*SkippedKeyError)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what RemoteKeys can report nowhere else, such as an
	// OnSkippedKey that panicked; nil means slog.Default().
	Logger *slog.Logger
	// TracerProvider, when set, traces each fetch ("upvest.webhook.jwks.fetch",
	// under the span of the lookup that started it, with the numbers of
	// keys usable and skipped); nil traces nothing.
	TracerProvider trace.TracerProvider

	mu       sync.Mutex
	keys     StaticKeys // the last usable set fetched
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
	if k, ok := r.keys[kid]; ok {
		r.mu.Unlock()
		return k, nil
	}
	call := r.inflight
	if call == nil {
		if now := r.now(); now.Before(r.next) {
			n, last := len(r.keys), r.lastErr
			r.mu.Unlock()
			if last != nil {
				return nil, fmt.Errorf("%w: %q: the last fetch of the keys failed (%v); next fetch in %s", ErrUnknownKey, kid, last, r.next.Sub(now).Round(time.Second))
			}
			return nil, fmt.Errorf("%w: %q is not among the %d keys fetched; next fetch in %s", ErrUnknownKey, kid, n, r.next.Sub(now).Round(time.Second))
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

// startLocked starts a fetch in its own goroutine; r.mu is held.
func (r *RemoteKeys) startLocked(ctx context.Context) (*keyFetch, error) {
	if r.Fetch == nil {
		return nil, errors.New("webhook: RemoteKeys.Fetch is nil")
	}
	call := &keyFetch{done: make(chan struct{})}
	r.inflight = call
	timeout := r.FetchTimeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	go func() {
		defer cancel()
		set, err := r.fetch(fctx)
		r.finish(call, set, err)
	}()
	return call, nil
}

// fetch runs Fetch and parses its answer; a panic in Fetch is an error.
func (r *RemoteKeys) fetch(ctx context.Context) (set *KeySet, err error) {
	if r.TracerProvider != nil {
		var span trace.Span
		ctx, span = r.TracerProvider.Tracer(instrumentationName).Start(ctx, "upvest.webhook.jwks.fetch")
		defer func() {
			if set != nil {
				span.SetAttributes(attribute.Int("upvest.webhook.jwks.keys", len(set.Keys)), attribute.Int("upvest.webhook.jwks.skipped", len(set.Skipped)))
			}
			if err != nil {
				span.SetStatus(codes.Error, "fetch failed")
			}
			span.End()
		}()
	}
	defer func() {
		if p := recover(); p != nil {
			set, err = nil, fmt.Errorf("webhook: fetching the verification keys panicked: %v", p)
		}
	}()
	data, err := r.Fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("webhook: fetching the verification keys failed: %w", err)
	}
	return ParseKeySet(data)
}

// finish records a completed fetch, starts the hold-off from now, reports
// skipped keys and wakes the lookups waiting for it.
func (r *RemoteKeys) finish(call *keyFetch, set *KeySet, err error) {
	hold, retry := r.MinInterval, r.RetryInterval
	if hold <= 0 {
		hold = DefaultRefetchInterval
	}
	if retry <= 0 {
		retry = DefaultRetryInterval
	}
	r.mu.Lock()
	if err == nil {
		r.keys = set.Keys
		r.next = r.now().Add(hold)
	} else {
		r.next = r.now().Add(retry)
	}
	r.lastErr = err
	r.inflight = nil
	call.keys, call.err = r.keys, err
	r.mu.Unlock()
	if set != nil && r.OnSkippedKey != nil {
		for _, s := range set.Skipped {
			callHook(r.Logger, "OnSkippedKey", func() { r.OnSkippedKey(s) })
		}
	}
	close(call.done)
}

func (r *RemoteKeys) now() time.Time { return httpsig.Now(r.Now) }
