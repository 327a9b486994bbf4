package redisrate_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/fleet"
	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
	"github.com/upvest-go/upvest/sandbox"
)

// The fleet: four replicas (four Clients, each with its own Redis client
// and Limiter) of four workers, 60 list calls each, against a tenant
// limited to 100 requests/s (burst 10) that answers 429 without
// Retry-After above it. The fleet keeps to 90/s: a budget a little under
// the tenant's absorbs the jitter between a permit and the request's
// arrival, which four independent fall-back limiters (Redis down) have
// nothing else to absorb.
const (
	replicas, workers, callsEach = 4, 4, 60
	tenantRate, tenantBurst      = 100, 10
	fleetRate                    = 90
)

// TestFleetSharesOneBudget: with the budget shared through a real
// redis-server, every call succeeds and at most 2 % of the requests are
// answered 429; with Redis down, each replica keeps to its share and
// still no call fails.
func TestFleetSharesOneBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("long: four replicas, 240 calls at 100/s, twice")
	}
	for _, redisUp := range []bool{true, false} {
		name := map[bool]string{true: "redis up", false: "redis down"}[redisUp]
		t.Run(name, func(t *testing.T) {
			srv := redistest.Start(t)
			if !redisUp {
				srv.Down()
			}
			sb, counter := throttledSandbox(t)
			cfg := sb.cfg
			var (
				mu  sync.Mutex
				sum fleet.Result
				wg  sync.WaitGroup
			)
			for range replicas {
				rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1})
				t.Cleanup(func() { rdb.Close() })
				l := newLimiter(t, redisrate.Config{Client: rdb, Key: cfg.ClientID, Rate: fleetRate, Burst: 1,
					Replicas: replicas, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				c, err := upvest.New(cfg, upvest.WithRateLimiter(l))
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					r := fleet.Replica(context.Background(), c, workers, callsEach)
					mu.Lock()
					sum = sum.Add(r)
					mu.Unlock()
				})
			}
			wg.Wait()
			requests, throttled := counter.Counts()
			t.Logf("%s: %d ok, %d failed, %d requests, %d answered 429, %v", name, sum.OK, sum.Failed, requests, throttled, sum.Elapsed)
			if sum.Failed != 0 || sum.OK != replicas*callsEach {
				t.Fatalf("%d of %d calls failed (first: %s)", sum.Failed, replicas*callsEach, sum.FirstError)
			}
			if throttled*50 > requests {
				t.Fatalf("%d of %d requests were answered 429; want at most 2 %%", throttled, requests)
			}
		})
	}
}

// throttled is a sandbox limiting each tenant to tenantRate, behind a
// counter of requests and 429s, and the client configuration for it.
type throttled struct{ cfg upvest.Config }

func throttledSandbox(t *testing.T) (*throttled, *fleet.Counter) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{Faults: sandbox.Faults{TenantRate: tenantRate, TenantBurst: tenantBurst}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	counter := &fleet.Counter{}
	hs := httptest.NewServer(counter.Wrap(sb))
	t.Cleanup(hs.Close)
	creds, err := sb.NewEd25519Credentials()
	if err != nil {
		t.Fatal(err)
	}
	return &throttled{cfg: upvest.Config{BaseURL: hs.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM}}, counter
}
