package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/webhook"
)

// failsafe bounds every wait of these tests; reaching it is a failure, never
// a measurement.
const failsafe = 10 * time.Second

// keySets serves JWKS documents to RemoteKeys.Fetch: each fetch takes the
// next document, blocking while gate (when set) is open, and counts itself.
type keySets struct {
	mu      sync.Mutex
	docs    [][]byte
	gate    chan struct{} // fetches wait for it to close
	started chan struct{} // receives once per fetch
	fetches atomic.Int32
}

func (k *keySets) fetch(ctx context.Context) ([]byte, error) {
	n := int(k.fetches.Add(1))
	if k.started != nil {
		k.started <- struct{}{}
	}
	if k.gate != nil {
		select {
		case <-k.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.docs[min(n, len(k.docs))-1], nil
}

func jwksOf(keys map[string]*ecdsa.PublicKey) []byte {
	var set gen.JWKS
	for kid, pub := range keys {
		set.Keys = append(set.Keys, jwkOf(kid, pub))
	}
	b, _ := json.Marshal(set)
	return b
}

// result of one Key call made in a goroutine.
type keyResult struct {
	key *ecdsa.PublicKey
	err error
}

func lookup(ctx context.Context, keys webhook.KeySource, kid string) <-chan keyResult {
	ch := make(chan keyResult, 1)
	go func() {
		k, err := keys.Key(ctx, kid)
		ch <- keyResult{k, err}
	}()
	return ch
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failsafe):
		t.Fatalf("%s: nothing after %s", what, failsafe)
		panic("unreachable")
	}
}

// blockedRotation sets up Upvest's key rotation: keys knows old's key;
// the JWKS's next fetch (it is due) adds rotated's, and waits for
// sets.gate after signalling sets.started.
func blockedRotation(t *testing.T) (old, rotated *fixture, sets *keySets, keys *webhook.RemoteKeys) {
	t.Helper()
	old, rotated = newFixture(t), newFixture(t)
	clock := fakeclock.At(now)
	sets = &keySets{docs: [][]byte{jwks(old.kid, &old.key.PublicKey), jwksOf(map[string]*ecdsa.PublicKey{old.kid: &old.key.PublicKey, rotated.kid: &rotated.key.PublicKey})}}
	keys = &webhook.RemoteKeys{Fetch: sets.fetch, Now: clock.Now}
	if _, err := keys.Key(context.Background(), old.kid); err != nil {
		t.Fatal(err)
	}
	clock.Set(now.Add(2 * webhook.DefaultRefetchInterval))
	sets.gate, sets.started = make(chan struct{}), make(chan struct{}, 1)
	return old, rotated, sets, keys
}

// A slow JWKS fetch for an unknown kid does not stall deliveries signed with
// a key already known: the lock is not held across the fetch.
func TestRemoteKeysKnownKeyWhileFetching(t *testing.T) {
	t.Parallel()
	old, rotated, sets, keys := blockedRotation(t)
	slow := lookup(context.Background(), keys, rotated.kid)
	wait(t, sets.started, "the second fetch")
	// The fetch is blocked: the known key must come anyway.
	if r := wait(t, lookup(context.Background(), keys, old.kid), "the known key during a fetch"); r.err != nil || !r.key.Equal(&old.key.PublicKey) {
		t.Fatalf("known key during a fetch: %v", r.err)
	}
	close(sets.gate)
	if r := wait(t, slow, "the rotated key"); r.err != nil || !r.key.Equal(&rotated.key.PublicKey) {
		t.Fatalf("rotated key: %v", r.err)
	}
}

// An unknown-kid lookup whose caller goes away (the client disconnected)
// neither cancels the fetch nor starts a hold-off without one: the fetch
// goes on, and the genuine delivery signed with Upvest's freshly rotated key
// is verified.
func TestRemoteKeysFetchOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	old, rotated := newFixture(t), newFixture(t)
	clock := fakeclock.At(now)
	sets := &keySets{docs: [][]byte{jwks(old.kid, &old.key.PublicKey), jwks(rotated.kid, &rotated.key.PublicKey)}}
	keys := &webhook.RemoteKeys{Fetch: sets.fetch, Now: clock.Now}
	if _, err := keys.Key(context.Background(), old.kid); err != nil {
		t.Fatal(err)
	}
	clock.Set(now.Add(2 * webhook.DefaultRefetchInterval))
	sets.gate, sets.started = make(chan struct{}), make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	gone := lookup(ctx, keys, rotated.kid)
	wait(t, sets.started, "the fetch")
	cancel()
	if r := wait(t, gone, "the cancelled lookup"); !errors.Is(r.err, context.Canceled) || !errors.Is(r.err, webhook.ErrUnknownKey) {
		t.Fatalf("cancelled lookup: %v, want ErrUnknownKey and context.Canceled", r.err)
	}
	close(sets.gate)
	if r := wait(t, lookup(context.Background(), keys, rotated.kid), "the genuine delivery's key"); r.err != nil || !r.key.Equal(&rotated.key.PublicKey) {
		t.Fatalf("genuine delivery after a cancelled lookup: %v", r.err)
	}
	if n := sets.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

// Concurrent lookups of unknown kids share one fetch, and every one of them
// gets its key.
func TestRemoteKeysOneFetchForConcurrentLookups(t *testing.T) {
	t.Parallel()
	const n = 20
	f := newFixture(t)
	sets := &keySets{docs: [][]byte{jwks(f.kid, &f.key.PublicKey)}, gate: make(chan struct{}), started: make(chan struct{}, n)}
	keys := &webhook.RemoteKeys{Fetch: sets.fetch}
	results := make([]<-chan keyResult, n)
	for i := range results {
		results[i] = lookup(context.Background(), keys, f.kid)
	}
	wait(t, sets.started, "the fetch")
	close(sets.gate)
	for i, ch := range results {
		if r := wait(t, ch, "a lookup"); r.err != nil || !r.key.Equal(&f.key.PublicKey) {
			t.Fatalf("lookup %d: %v", i, r.err)
		}
	}
	if got := sets.fetches.Load(); got != 1 {
		t.Fatalf("%d fetches, want 1", got)
	}
}

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

// A JWKS holding a key that cannot verify deliveries (an Ed25519 OKP key,
// another curve, bad coordinates) beside usable P-521 keys still yields the
// usable keys; it fails only when none is usable.
func TestJWKSWithUnusableKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p521, _ := json.Marshal(jwkOf(f.kid, &f.key.PublicKey))
	for _, tc := range []struct {
		name    string
		doc     string
		usable  bool
		skipped []string // kids of the keys left out
	}{
		{"OKP beside P-521", `{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},` + string(p521) + `]}`, true, []string{"ed"}},
		{"P-256 beside P-521", `{"keys":[` + string(p521) + `,{"kid":"p256","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`, true, []string{"p256"}},
		{"bad coordinates beside P-521", `{"keys":[{"kid":"bad","kty":"EC","crv":"P-521","x":"AA","y":"AA"},` + string(p521) + `]}`, true, []string{"bad"}},
		{"non-string field beside P-521", `{"keys":[{"kid":"n","kty":"EC","crv":"P-521","x":1,"y":2},` + string(p521) + `]}`, true, []string{""}},
		{"duplicate kid", `{"keys":[` + string(p521) + `,` + string(p521) + `]}`, true, []string{f.kid}},
		{"key without kid beside P-521", `{"keys":[` + strings.Replace(string(p521), f.kid, "", 1) + `,` + string(p521) + `]}`, true, []string{""}},
		{"only OKP", `{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`, false, []string{"ed"}},
		{"no keys", `{"keys":[]}`, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := webhook.ParseJWKS([]byte(tc.doc))
			set, setErr := webhook.ParseKeySet([]byte(tc.doc))
			if !tc.usable {
				if !errors.Is(err, webhook.ErrBadKeySet) || !errors.Is(setErr, webhook.ErrBadKeySet) {
					t.Fatalf("no usable key: %v, %v, want ErrBadKeySet", err, setErr)
				}
				for _, kid := range tc.skipped {
					if !strings.Contains(setErr.Error(), fmt.Sprintf("kid %q", kid)) {
						t.Fatalf("%v does not say why key %q was skipped", setErr, kid)
					}
				}
				return
			}
			if err != nil || len(keys) != 1 || !keys[f.kid].Equal(&f.key.PublicKey) {
				t.Fatalf("ParseJWKS: %v, %d keys", err, len(keys))
			}
			if setErr != nil || len(set.Keys) != 1 || len(set.Skipped) != len(tc.skipped) {
				t.Fatalf("ParseKeySet: %v, %+v", setErr, set)
			}
			for i, s := range set.Skipped {
				if s.Kid != tc.skipped[i] || s.Reason == "" || !errors.Is(s, webhook.ErrBadKeySet) {
					t.Fatalf("skipped %+v, want kid %q with a reason", s, tc.skipped[i])
				}
			}
			var reported []string
			remote := &webhook.RemoteKeys{
				Fetch:        func(context.Context) ([]byte, error) { return []byte(tc.doc), nil },
				OnSkippedKey: func(s *webhook.SkippedKeyError) { reported = append(reported, s.Kid) },
			}
			if k, err := remote.Key(context.Background(), f.kid); err != nil || !k.Equal(&f.key.PublicKey) {
				t.Fatalf("RemoteKeys: %v", err)
			}
			if !slices.Equal(reported, tc.skipped) {
				t.Fatalf("reported %q, want %q", reported, tc.skipped)
			}
		})
	}
}

// The scenario end to end: a delivery signed with Upvest's freshly
// rotated key arrives while its client disconnects during the key fetch; the
// retry of it a moment later is verified (not refused for a minute).
func TestRotatedKeyAfterAClientDisconnects(t *testing.T) {
	t.Parallel()
	_, rotated, sets, keys := blockedRotation(t)
	refused := make(chan error, 4)
	h := rotated.handler(keys, webhook.OnRefusal(func(_ *http.Request, err error) { refused <- err }))
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	first := must(rotated.signer.NewRequest(ctx, srv.URL+"/hooks", event("ACCOUNT_GROUP.CREATED")))
	go func() {
		if resp, err := srv.Client().Do(first); err == nil {
			resp.Body.Close()
		}
	}()
	wait(t, sets.started, "the fetch")
	cancel() // the client goes away while the keys are fetched
	if err := wait(t, refused, "the disconnected delivery"); !errors.Is(err, webhook.ErrUnknownKey) {
		t.Fatalf("disconnected delivery: %v", err)
	}
	close(sets.gate)
	retry := must(rotated.signer.NewRequest(context.Background(), srv.URL+"/hooks", event("ACCOUNT_GROUP.CREATED")))
	resp, err := srv.Client().Do(retry)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the retry signed with the rotated key: %d (%v)", resp.StatusCode, drain(refused))
	}
}

func drain(ch chan error) []error {
	var out []error
	for {
		select {
		case err := <-ch:
			out = append(out, err)
		default:
			return out
		}
	}
}
