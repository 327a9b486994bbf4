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

// deliverUntil200 sends ev (signed afresh each time, as Upvest's retries
// are) until the handler answers 200, waiting wait between tries (Upvest's
// back-off: fake time in a bubble; zero where nothing needs waiting for),
// and returns the statuses seen.
func deliverUntil200(t *testing.T, f *fixture, h http.Handler, ev map[string]any, wait time.Duration) []int {
	t.Helper()
	var codes []int
	for range 100 {
		req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", ev))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
		if rec.Code == 200 {
			return codes
		}
		time.Sleep(wait)
	}
	t.Errorf("never acknowledged: %v", codes)
	return codes
}

// TestConcurrentDuplicatesHandledOnce: 20 concurrent deliveries of one
// event to one handler run its callback once, by default and with
// WithDedupe; every delivery is acknowledged, none before the event is
// handled. It runs in a bubble of fake time: the callback's 50 ms and the
// waits between retries take none.
func TestConcurrentDuplicatesHandledOnce(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]webhook.Option{"default": nil, "WithDedupe": {webhook.WithDedupe(100)}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int32
				var handled atomic.Bool
				h := f.handler(f.keys, append([]webhook.Option{webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
					calls.Add(1)
					time.Sleep(50 * time.Millisecond) // the callback's work (fake time)
					handled.Store(true)
					return nil
				}), webhook.WithBusyWait(20 * time.Millisecond)}, opts...)...)
				ev := event("ACCOUNT_GROUP.ACTIVATED")
				var wg sync.WaitGroup
				for range 20 {
					wg.Go(func() {
						codes := deliverUntil200(t, f, h, ev, time.Second)
						if !handled.Load() {
							t.Errorf("acknowledged before the event was handled (statuses %v)", codes)
						}
						for _, c := range codes[:len(codes)-1] {
							if c != http.StatusServiceUnavailable {
								t.Errorf("a duplicate meeting a busy event got %d, want 503", c)
							}
						}
					})
				}
				wg.Wait()
				if n := calls.Load(); n != 1 {
					t.Fatalf("callback ran %d times, want 1", n)
				}
			})
		})
	}
}

// TestFailedCallbackIsRetried: a callback that fails releases its claim,
// so Upvest's retry runs it again; once it succeeds, repeats skip it.
func TestFailedCallbackIsRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var calls atomic.Int32
	h := f.handler(f.keys, webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
		if calls.Add(1) == 1 {
			return errors.New("database down")
		}
		return nil
	}))
	ev := event("ACCOUNT_GROUP.CREATED")
	if codes := deliverUntil200(t, f, h, ev, 0); len(codes) != 2 || codes[0] != 500 {
		t.Fatalf("statuses %v, want 500 then 200", codes)
	}
	deliverUntil200(t, f, h, ev, 0)
	if calls.Load() != 2 {
		t.Fatalf("%d calls, want 2 (one failure, one success)", calls.Load())
	}
}

// TestCallbackBoundedByLease: the callback's context ends with its lease.
func TestCallbackBoundedByLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var left time.Duration
	h := f.handler(f.keys, webhook.WithLease(3*time.Second), webhook.OnAccountGroupEvent(func(ctx context.Context, _ webhook.AccountGroupEvent) error {
		d, ok := ctx.Deadline()
		if !ok {
			return errors.New("no deadline")
		}
		left = time.Until(d)
		return nil
	}))
	deliverUntil200(t, f, h, event("ACCOUNT_GROUP.CREATED"), 0)
	if left <= 0 || left > 3*time.Second {
		t.Fatalf("callback deadline in %v, want within the 3 s lease", left)
	}
}

// flakyStore wraps a MemoryStore, failing Claim or Done while told to.
type flakyStore struct {
	*webhook.MemoryStore
	failClaim, failDone atomic.Bool
	busy                atomic.Bool
	dones               atomic.Int32
}

var errDown = errors.New("store down")

func (s *flakyStore) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	if s.failClaim.Load() {
		return webhook.Claim{}, errDown
	}
	if s.busy.Load() {
		return webhook.Claim{State: webhook.Busy}, nil
	}
	return s.MemoryStore.Claim(ctx, id, lease)
}

func (s *flakyStore) Done(ctx context.Context, id, token string, ttl time.Duration) error {
	if s.failDone.Load() {
		return errDown
	}
	s.dones.Add(1)
	return s.MemoryStore.Done(ctx, id, token, ttl)
}

// TestStoreFailureFailsClosed: when the store cannot claim, the delivery is
// answered 503 without running the callback, and the hook hears of it.
func TestStoreFailureFailsClosed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	store := &flakyStore{MemoryStore: webhook.NewMemoryStore(0)}
	store.failClaim.Store(true)
	var calls atomic.Int32
	var storeErrs atomic.Int32
	h := f.handler(f.keys, webhook.WithEventStore(store), webhook.OnStoreError(func(err error) {
		if errors.Is(err, errDown) && errors.Is(err, webhook.ErrStore) {
			storeErrs.Add(1)
		}
	}), webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
		calls.Add(1)
		return nil
	}))
	ev := event("ACCOUNT_GROUP.CREATED")
	req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", ev))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || calls.Load() != 0 || storeErrs.Load() != 1 {
		t.Fatalf("status %d, %d calls, %d store errors; want 503, 0, 1", rec.Code, calls.Load(), storeErrs.Load())
	}
	if refused := f.refusals(); len(refused) != 1 || !errors.Is(refused[0], webhook.ErrStore) {
		t.Fatalf("refusals %v", refused)
	}
	store.failClaim.Store(false)
	deliverUntil200(t, f, h, ev, 0)
	if calls.Load() != 1 {
		t.Fatalf("%d calls after the store came back, want 1", calls.Load())
	}
}

// TestDoneMarkWrittenWhenStoreReturns: a handled event whose done mark
// cannot be written is acknowledged (it was handled), is not handled again
// here, and its mark is written once the store is back.
func TestDoneMarkWrittenWhenStoreReturns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	store := &flakyStore{MemoryStore: webhook.NewMemoryStore(0)}
	store.failDone.Store(true)
	var calls atomic.Int32
	var storeErrs atomic.Int32
	h := f.handler(f.keys, webhook.WithEventStore(store), webhook.OnStoreError(func(error) { storeErrs.Add(1) }),
		webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
			calls.Add(1)
			return nil
		}))
	ev := event("ACCOUNT_GROUP.CREATED")
	if codes := deliverUntil200(t, f, h, ev, 0); len(codes) != 1 {
		t.Fatalf("statuses %v, want 200 at once", codes)
	}
	if storeErrs.Load() == 0 {
		t.Fatal("the failed done mark was not reported")
	}
	deliverUntil200(t, f, h, ev, 0) // store still failing: skipped all the same
	if calls.Load() != 1 {
		t.Fatalf("%d calls, want 1", calls.Load())
	}
	store.failDone.Store(false)
	deliverUntil200(t, f, h, event("ACCOUNT_GROUP.CREATED"), 0) // any delivery flushes pending marks
	if c, _ := store.MemoryStore.Claim(context.Background(), ev["id"].(string), time.Second); c.State != webhook.Handled {
		t.Fatalf("the pending done mark was not written: %v", c.State)
	}
}

// TestBusyEventWaitsThenRetries: an event another replica is handling is
// waited for briefly, then answered 503 (never 200 early).
func TestBusyEventWaitsThenRetries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	store := &flakyStore{MemoryStore: webhook.NewMemoryStore(0)}
	store.busy.Store(true)
	var busyErrs atomic.Int32
	h := f.handler(f.keys, webhook.WithEventStore(store), webhook.WithBusyWait(30*time.Millisecond),
		webhook.OnRefusal(func(_ *http.Request, err error) {
			if errors.Is(err, webhook.ErrBusy) {
				busyErrs.Add(1)
			}
		}))
	req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || busyErrs.Load() != 1 {
		t.Fatalf("status %d, %d busy refusals; want 503 and 1", rec.Code, busyErrs.Load())
	}
}

// ttlStore records the TTL of each done mark.
type ttlStore struct {
	*webhook.MemoryStore
	ttl atomic.Int64
}

func (s *ttlStore) Done(ctx context.Context, id, token string, ttl time.Duration) error {
	s.ttl.Store(int64(ttl))
	return s.MemoryStore.Done(ctx, id, token, ttl)
}

// TestDoneTTL: done marks are kept DefaultDoneTTL, or WithDoneTTL's.
func TestDoneTTL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts []webhook.Option
		want time.Duration
	}{{nil, webhook.DefaultDoneTTL}, {[]webhook.Option{webhook.WithDoneTTL(48 * time.Hour)}, 48 * time.Hour}} {
		f := newFixture(t)
		store := &ttlStore{MemoryStore: webhook.NewMemoryStore(0)}
		h := f.handler(f.keys, append([]webhook.Option{webhook.WithEventStore(store)}, tt.opts...)...)
		deliverUntil200(t, f, h, event("ACCOUNT_GROUP.CREATED"), 0)
		if got := time.Duration(store.ttl.Load()); got != tt.want {
			t.Fatalf("done mark kept %v, want %v", got, tt.want)
		}
	}
}
