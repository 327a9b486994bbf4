package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// outageStore is a MemoryStore that every replica shares and that fails
// every call while down, as a Redis the replicas cannot reach.
type outageStore struct {
	*webhook.MemoryStore
	down    atomic.Bool
	renewed atomic.Int32
}

func (s *outageStore) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	if s.down.Load() {
		return webhook.Claim{}, errDown
	}
	return s.MemoryStore.Claim(ctx, id, lease)
}

func (s *outageStore) Done(ctx context.Context, id, token string, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemoryStore.Done(ctx, id, token, ttl)
}

func (s *outageStore) Release(ctx context.Context, id, token string) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemoryStore.Release(ctx, id, token)
}

func (s *outageStore) Renew(ctx context.Context, id, token string, lease time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	s.renewed.Add(1)
	return s.MemoryStore.Renew(ctx, id, token, lease)
}

// The scenario, in a bubble of fake time: lease 2 s, a callback of
// 1.6 s on replica A, and an outage of 1.2 s that begins as the callback
// returns, so A's done mark fails. A duplicate then reaches replica B,
// after the lease counted from the claim: at 2.9 s when the store was down
// for both replicas, at 2.5 s (during the outage) when only A was cut off
// from it. The claim, renewed every quarter of the lease while the
// callback ran and while the done mark waited, is still A's, and the done
// mark, retried every 100 ms, lands as the store returns: the callback
// runs once.
func TestShortOutageRunsNoCallbackTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name      string
		bothDown  bool
		duplicate time.Duration // after A's claim
	}{
		{"the store down for both replicas", true, 2900 * time.Millisecond},
		{"replica A cut off from the store", false, 2500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				shared := webhook.NewMemoryStore(0)
				storeA, storeB := &outageStore{MemoryStore: shared}, &outageStore{MemoryStore: shared}
				const lease = 2 * time.Second
				var runs atomic.Int32
				var outage sync.Once
				callback := webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
					runs.Add(1)
					time.Sleep(1600 * time.Millisecond) // the callback's work (fake time)
					outage.Do(func() {
						cut := []*outageStore{storeA}
						if tc.bothDown {
							cut = append(cut, storeB)
						}
						for _, s := range cut {
							s.down.Store(true)
							time.AfterFunc(1200*time.Millisecond, func() { s.down.Store(false) })
						}
					})
					return nil
				})
				var storeErrs atomic.Int32
				replica := func(store *outageStore) http.Handler {
					return f.handler(f.keys, webhook.WithEventStore(store), webhook.WithLease(lease), webhook.WithBusyWait(time.Second),
						webhook.OnStoreError(func(err error) {
							if errors.Is(err, errDown) {
								storeErrs.Add(1)
							}
						}), callback)
				}
				a, b := replica(storeA), replica(storeB)
				ev := event("ACCOUNT_GROUP.CREATED")
				start := time.Now()
				deliverUntil200(t, f, a, ev, time.Second)
				time.Sleep(tc.duplicate - time.Since(start))
				deliverUntil200(t, f, b, ev, time.Second)
				if n := runs.Load(); n != 1 {
					t.Fatalf("the callback ran %d times, want once", n)
				}
				if storeErrs.Load() == 0 || storeA.renewed.Load() == 0 {
					t.Fatalf("%d store errors reported, %d renewals; want some of each", storeErrs.Load(), storeA.renewed.Load())
				}
				synctest.Wait() // the done mark's writer and the renewals have stopped
			})
		})
	}
}

// lostStore is a MemoryStore whose claims another replica takes (once
// lost is set): a renewal finds them gone.
type lostStore struct {
	*webhook.MemoryStore
	lost atomic.Bool
}

func (s *lostStore) Renew(ctx context.Context, id, token string, lease time.Duration) (bool, error) {
	if s.lost.Load() {
		return false, nil
	}
	return s.MemoryStore.Renew(ctx, id, token, lease)
}

// When a renewal finds the claim gone (it ran out in a long outage and
// another replica took it), the callback's context ends at once, not at the
// end of its lease, and OnStoreError hears of it.
func TestLostClaimEndsTheCallback(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	synctest.Test(t, func(t *testing.T) {
		store := &lostStore{MemoryStore: webhook.NewMemoryStore(0)}
		const lease = 2 * time.Second
		var reported atomic.Value
		var ended time.Duration
		start := time.Now()
		h := f.handler(f.keys, webhook.WithEventStore(store), webhook.WithLease(lease),
			webhook.OnStoreError(func(err error) { reported.Store(err) }),
			webhook.OnAccountGroupEvent(func(ctx context.Context, _ webhook.AccountGroupEvent) error {
				time.AfterFunc(800*time.Millisecond, func() { store.lost.Store(true) })
				<-ctx.Done()
				ended = time.Since(start)
				return ctx.Err()
			}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))))
		if rec.Code != http.StatusInternalServerError || ended != lease/2 {
			t.Fatalf("status %d, the callback's context ended after %s; want 500, and the end at the renewal of %s", rec.Code, ended, lease/2)
		}
		if err, _ := reported.Load().(error); !errors.Is(err, webhook.ErrStore) {
			t.Fatalf("reported %v, want the lost claim (ErrStore)", err)
		}
	})
}
