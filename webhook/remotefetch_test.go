package webhook_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/webhook"
)

// The hold-off between fetches starts when a fetch completes, not when it
// starts: a slow fetch does not shorten it. A successful fetch is followed by
// MinInterval without fetches, a failed one by the shorter RetryInterval.
func TestRemoteKeysHoldOffStartsWhenTheFetchCompletes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name     string
		fail     bool
		holdOff  time.Duration
		interval func(*webhook.RemoteKeys)
	}{
		{"after a successful fetch", false, webhook.DefaultRefetchInterval, func(*webhook.RemoteKeys) {}},
		{"after a failed fetch", true, webhook.DefaultRetryInterval, func(*webhook.RemoteKeys) {}},
		{"after a successful fetch, MinInterval set", false, 10 * time.Minute, func(k *webhook.RemoteKeys) { k.MinInterval = 10 * time.Minute }},
		{"after a failed fetch, RetryInterval set", true, 30 * time.Second, func(k *webhook.RemoteKeys) { k.RetryInterval = 30 * time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := fakeclock.At(now)
			const slow = 40 * time.Second
			var fetches atomic.Int32
			keys := &webhook.RemoteKeys{Now: clock.Now, Fetch: func(context.Context) ([]byte, error) {
				fetches.Add(1)
				clock.Set(clock.Now().Add(slow)) // the fetch takes 40 s
				if tc.fail {
					return nil, errors.New("503")
				}
				return jwks(f.kid, &f.key.PublicKey), nil
			}}
			tc.interval(keys)
			if _, err := keys.Key(context.Background(), "unknown"); !errors.Is(err, webhook.ErrUnknownKey) {
				t.Fatal(err)
			}
			done := now.Add(slow)
			for _, step := range []struct {
				at      time.Time
				fetches int32
			}{
				{done.Add(tc.holdOff - time.Second), 1},
				{done.Add(tc.holdOff), 2},
			} {
				clock.Set(step.at)
				if _, err := keys.Key(context.Background(), "unknown"); !errors.Is(err, webhook.ErrUnknownKey) {
					t.Fatal(err)
				}
				if got := fetches.Load(); got != step.fetches {
					t.Fatalf("%s after the fetch completed: %d fetches, want %d", step.at.Sub(done), got, step.fetches)
				}
			}
		})
	}
}

// A fetch is bounded by FetchTimeout, whatever the callers' contexts; its
// failure holds off the next fetch for RetryInterval only.
func TestRemoteKeysFetchTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clock := fakeclock.At(now)
	var fetches atomic.Int32
	keys := &webhook.RemoteKeys{Now: clock.Now, FetchTimeout: 50 * time.Millisecond, Fetch: func(ctx context.Context) ([]byte, error) {
		if fetches.Add(1) == 1 {
			<-ctx.Done() // a JWKS endpoint that never answers
			return nil, ctx.Err()
		}
		return jwks(f.kid, &f.key.PublicKey), nil
	}}
	r := wait(t, lookup(context.Background(), keys, f.kid), "the lookup with a hanging fetch")
	if !errors.Is(r.err, webhook.ErrUnknownKey) || !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("hanging fetch: %v, want ErrUnknownKey and context.DeadlineExceeded", r.err)
	}
	if _, err := keys.Key(context.Background(), f.kid); !errors.Is(err, webhook.ErrUnknownKey) || fetches.Load() != 1 {
		t.Fatalf("within RetryInterval: %v after %d fetches, want ErrUnknownKey and no new fetch", err, fetches.Load())
	}
	clock.Set(now.Add(webhook.DefaultRetryInterval))
	if k, err := keys.Key(context.Background(), f.kid); err != nil || !k.Equal(&f.key.PublicKey) {
		t.Fatalf("after RetryInterval: %v", err)
	}
}

// Refresh fetches now, whatever the hold-off, and says why it could not; a
// panicking Fetch is an error, not a crash.
func TestRemoteKeysRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cause := errors.New("HTTP 401")
	for _, tc := range []struct {
		name  string
		fetch func(context.Context) ([]byte, error)
		want  error // nil: success
	}{
		{"ok", func(context.Context) ([]byte, error) { return jwks(f.kid, &f.key.PublicKey), nil }, nil},
		{"fetch fails", func(context.Context) ([]byte, error) { return nil, cause }, cause},
		{"no usable key", func(context.Context) ([]byte, error) {
			return []byte(`{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"AA"}]}`), nil
		}, webhook.ErrBadKeySet},
		{"not JSON", func(context.Context) ([]byte, error) { return []byte(`<html>`), nil }, webhook.ErrBadKeySet},
		{"fetch panics", func(context.Context) ([]byte, error) { panic("boom") }, errors.New("")},
		{"no Fetch", nil, errors.New("")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fetches atomic.Int32
			keys := &webhook.RemoteKeys{}
			if tc.fetch != nil {
				keys.Fetch = func(ctx context.Context) ([]byte, error) { fetches.Add(1); return tc.fetch(ctx) }
			}
			for i := 1; i <= 2; i++ { // the second ignores the hold-off
				err := keys.Refresh(context.Background())
				switch {
				case tc.want == nil && err != nil:
					t.Fatalf("refresh %d: %v", i, err)
				case tc.want != nil && err == nil:
					t.Fatalf("refresh %d: no error, want %v", i, tc.want)
				case tc.want != nil && tc.want.Error() != "" && !errors.Is(err, tc.want):
					t.Fatalf("refresh %d: %v, want %v", i, err, tc.want)
				}
				if tc.fetch != nil && fetches.Load() != int32(i) {
					t.Fatalf("refresh %d: %d fetches", i, fetches.Load())
				}
			}
			if tc.want == nil {
				if k, err := keys.Key(context.Background(), f.kid); err != nil || !k.Equal(&f.key.PublicKey) || fetches.Load() != 2 {
					t.Fatalf("key after refresh: %v after %d fetches", err, fetches.Load())
				}
			}
		})
	}
}
