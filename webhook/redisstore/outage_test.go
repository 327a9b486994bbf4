package redisstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/webhook"
	"github.com/upvest-go/upvest/webhook/redisstore"
)

// deliverUntilOK sends ev to h, signed afresh each time as Upvest's
// retries are, until it is answered 200.
func deliverUntilOK(t *testing.T, signer *webhook.TestSigner, h http.Handler, ev map[string]any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, err := signer.NewRequest(context.Background(), "https://receiver.example/upvest", ev)
		if err != nil {
			t.Error(err)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		time.Sleep(200 * time.Millisecond) // Upvest's back-off before its retry
	}
	t.Error("never acknowledged within 30 s")
}

// Exactly once through a Redis outage shorter than the lease less the
// renewal interval, on a real redis-server behind a TCP proxy that is cut.
// Lease 6 s (renewed every 1.5 s); replica A's callback takes 3.6 s and the
// proxy is cut for 4 s as it returns, so A answers 200 and its done mark
// fails (EOF). The duplicate goes to replica B after the lease counted from
// A's claim: when the outage cut both replicas off, at 8 s, after Redis is
// back; when only A is cut off (B reaches Redis directly), at 6.5 s, during
// A's outage. Without renewal the claim ran out at 6 s and B ran the
// callback again (A's done mark, retried with doubling waits, came too
// late); with it, B finds the event busy, then handled.
func TestOutageShorterThanTheLeaseRunsNoCallbackTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("long test: make test-long runs it")
	}
	// Not parallel with the package's other tests: it runs before them,
	// so its timings do not share the CPU and the disk with the replica
	// soaks.
	const outage = 4 * time.Second
	for _, tc := range []struct {
		name      string
		bothCut   bool
		duplicate time.Duration // after A's claim
	}{
		{"Redis cut off from both replicas", true, 8 * time.Second},
		{"replica A cut off from Redis", false, 6500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			proxy := srv.Proxy()
			urlB := srv.URL()
			if tc.bothCut {
				urlB = proxy.URL()
			}
			k, err := ecdsa.GenerateKey(elliptic.P521(), cryptoRand)
			if err != nil {
				t.Fatal(err)
			}
			signer := &webhook.TestSigner{Key: k, KeyID: "upvest-1"}
			var runs atomic.Int32
			claimed := make(chan time.Time, 1)
			var storeErrs atomic.Int32
			replica := func(url string) http.Handler {
				store, err := redisstore.Open(url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { store.Close() })
				v := &webhook.Verifier{Keys: webhook.StaticKeys{"upvest-1": &k.PublicKey}}
				return webhook.NewHandler(v, webhook.WithEventStore(store), webhook.WithLease(6*time.Second),
					webhook.WithBusyWait(3*time.Second), webhook.OnStoreError(func(error) { storeErrs.Add(1) }),
					webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
						if runs.Add(1) == 1 {
							claimed <- time.Now()
							time.Sleep(3600 * time.Millisecond) // the callback's work
							proxy.Cut()
							time.AfterFunc(outage, proxy.Restore)
						}
						return nil
					}))
			}
			a, b := replica(proxy.URL()), replica(urlB)
			ev := accountGroupEvent()
			deliverUntilOK(t, signer, a, ev)
			start := <-claimed
			time.Sleep(time.Until(start.Add(tc.duplicate))) // the duplicate's moment in the scenario
			deliverUntilOK(t, signer, b, ev)
			if n := runs.Load(); n != 1 {
				t.Fatalf("the callback ran %d times, want once", n)
			}
			if storeErrs.Load() == 0 {
				t.Fatal("the outage was not reported to OnStoreError")
			}
		})
	}
}
