package webhook_test

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/webhook"
)

// withdrawal is Upvest's JWKS before and after it withdraws a key: kept
// stays, gone is removed. fail, when set, makes every fetch after the
// first fail.
type withdrawal struct {
	kept, gone *fixture
	clock      *fakeclock.Clock
	keys       *webhook.RemoteKeys
	log        *logSink
	fetches    atomic.Int32
	fail       atomic.Bool
}

func newWithdrawal(t *testing.T, maxAge, grace time.Duration) *withdrawal {
	t.Helper()
	w := &withdrawal{kept: newFixture(t), gone: newFixture(t), clock: fakeclock.At(now)}
	before := jwksOf(map[string]*ecdsa.PublicKey{w.kept.kid: &w.kept.key.PublicKey, w.gone.kid: &w.gone.key.PublicKey})
	after := jwks(w.kept.kid, &w.kept.key.PublicKey)
	sink, logger := newLogSink()
	w.log = sink
	w.keys = &webhook.RemoteKeys{Now: w.clock.Now, MaxAge: maxAge, Grace: grace, Logger: logger,
		Fetch: func(context.Context) ([]byte, error) {
			if w.fetches.Add(1) == 1 {
				return before, nil
			}
			if w.fail.Load() {
				return nil, errors.New("GET /auth/verify_keys: 503")
			}
			return after, nil
		}}
	if _, err := w.keys.Key(context.Background(), w.gone.kid); err != nil {
		t.Fatal(err)
	}
	return w
}

// lookup asks for kid at the test's clock now+at.
func (w *withdrawal) lookup(at time.Duration, kid string) error {
	w.clock.Set(now.Add(at))
	_, err := w.keys.Key(context.Background(), kid)
	return err
}

// eventually polls lookup until it gives want (nil or an error matching
// it), within failsafe: for the outcome of a background fetch.
func (w *withdrawal) eventually(t *testing.T, at time.Duration, kid string, want error) {
	t.Helper()
	deadline := time.Now().Add(failsafe)
	for {
		err := w.lookup(at, kid)
		if (want == nil && err == nil) || (want != nil && errors.Is(err, want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("at +%s: kid %s still gives %v after %s, want %v", at, kid, err, failsafe, want)
		}
		time.Sleep(time.Millisecond) // the background fetch is under way: let it finish
	}
}

// A key Upvest withdraws from its JWKS stops verifying once the cached set
// is older than MaxAge (default one hour): the set is fetched again (a
// known kid is answered from the old set while that fetch runs, so no
// delivery waits), and the withdrawn key is refused once it completes. A
// set older than MaxAge + Grace is not used at all: the lookup waits for
// the fetch.
func TestRemoteKeysWithdrawnKeyIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		maxAge, grace time.Duration
	}{
		{"defaults", 0, 0},
		{"MaxAge and Grace set", 10 * time.Minute, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			maxAge, grace := cmp.Or(tc.maxAge, webhook.DefaultMaxAge), cmp.Or(tc.grace, webhook.DefaultGrace)
			if webhook.DefaultMaxAge > time.Hour {
				t.Fatalf("DefaultMaxAge %s, want at most an hour", webhook.DefaultMaxAge)
			}
			w := newWithdrawal(t, tc.maxAge, tc.grace)
			if err := w.lookup(maxAge-time.Second, w.gone.kid); err != nil || w.fetches.Load() != 1 {
				t.Fatalf("within MaxAge: %v after %d fetches, want the key from the cache", err, w.fetches.Load())
			}
			w.eventually(t, maxAge, w.gone.kid, webhook.ErrUnknownKey)
			if err := w.lookup(maxAge, w.kept.kid); err != nil || w.fetches.Load() != 2 {
				t.Fatalf("the key kept: %v after %d fetches, want it after 2", err, w.fetches.Load())
			}

			// Past MaxAge + Grace, and thirty days after one fetch: the
			// lookup itself fetches.
			for _, at := range []time.Duration{maxAge + grace, 30 * 24 * time.Hour} {
				w = newWithdrawal(t, tc.maxAge, tc.grace)
				if err := w.lookup(at, w.gone.kid); !errors.Is(err, webhook.ErrUnknownKey) || w.fetches.Load() != 2 {
					t.Fatalf("+%s: %v after %d fetches, want ErrUnknownKey after 2", at, err, w.fetches.Load())
				}
				if err := w.lookup(at, w.kept.kid); err != nil {
					t.Fatalf("+%s, the key kept: %v", at, err)
				}
			}
		})
	}
}

// When the JWKS cannot be fetched again, the last set serves for Grace past
// MaxAge, with a WARN per failed fetch; after that its keys are refused,
// until a fetch succeeds.
func TestRemoteKeysStaleSetServesForAGrace(t *testing.T) {
	t.Parallel()
	w := newWithdrawal(t, 0, 0)
	maxAge, grace := webhook.DefaultMaxAge, webhook.DefaultGrace
	w.fail.Store(true)
	if err := w.lookup(maxAge, w.gone.kid); err != nil {
		t.Fatalf("stale, within the grace: %v", err)
	}
	w.log.wait(t, "WARN", "verification keys", "503", "serves until")
	last := maxAge + grace - time.Second
	if err := w.lookup(last, w.gone.kid); err != nil {
		t.Fatalf("one second before the grace ends: %v", err)
	}
	w.log.waitN(t, 2, "WARN", "verification keys", "503")
	for _, kid := range []string{w.gone.kid, w.kept.kid} { // the next fetch is due, and fails
		if err := w.lookup(last+webhook.DefaultRetryInterval, kid); !errors.Is(err, webhook.ErrUnknownKey) {
			t.Fatalf("after the grace: %v, want ErrUnknownKey", err)
		}
	}
	w.log.wait(t, "ERROR", "verification keys", "503", "refused")
	w.fail.Store(false)
	if err := w.lookup(last+2*webhook.DefaultRetryInterval, w.kept.kid); err != nil {
		t.Fatalf("once a fetch succeeds: %v", err)
	}
}

// Deliveries naming unknown key ids, 500 of them at once, still cause one
// fetch, when the cached set is fresh and when it is stale.
func TestRemoteKeysUnknownKidsOneFetch(t *testing.T) {
	t.Parallel()
	for _, at := range []time.Duration{time.Minute, webhook.DefaultMaxAge + time.Minute} {
		t.Run(fmt.Sprintf("set %s old", at), func(t *testing.T) {
			t.Parallel()
			w := newWithdrawal(t, 0, 0)
			w.clock.Set(now.Add(at))
			var wg sync.WaitGroup
			for i := range 500 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := w.keys.Key(context.Background(), fmt.Sprintf("junk-%d", i)); !errors.Is(err, webhook.ErrUnknownKey) {
						t.Errorf("junk kid: %v", err)
					}
				}()
			}
			wg.Wait()
			if n := w.fetches.Load(); n != 2 {
				t.Fatalf("%d fetches for 500 unknown kids, want 1 (after the first)", n-1)
			}
		})
	}
}
