package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/webhook"
)

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
