package redisrate_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
)

var (
	_ upvest.RateLimiter = (*redisrate.Limiter)(nil)
	_ upvest.Throttler   = (*redisrate.Limiter)(nil)
)

// hourly is a budget of n per hour, all of it burst: the (n+1)th permit is
// minutes away, so a test sees the budget by counting, not by timing.
func hourly(client redis.UniversalClient, key string, n int) redisrate.Config {
	return redisrate.Config{Client: client, Key: key, Rate: n, Burst: n, Period: time.Hour}
}

func newLimiter(t *testing.T, cfg redisrate.Config) *redisrate.Limiter {
	t.Helper()
	l, err := redisrate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func client(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { c.Close() })
	return c
}

// permits takes permits from l until one does not come within 100 ms
// (the next is minutes away) and returns how many came.
func permits(l *redisrate.Limiter) int {
	for n := 0; ; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := l.Wait(ctx)
		cancel()
		if err != nil {
			return n
		}
	}
}

func TestConfigRefused(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, cfg := range map[string]redisrate.Config{
		"no client":     {Rate: 1},
		"no rate":       {Client: rdb},
		"negative rate": {Client: rdb, Rate: -1},
		"negative":      {Client: rdb, Rate: 1, Replicas: -2},
	} {
		if _, err := redisrate.New(cfg); !errors.Is(err, redisrate.ErrConfig) {
			t.Errorf("%s: err = %v; want ErrConfig", name, err)
		}
	}
}

func TestReplicasShareOneBudget(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newLimiter(t, hourly(client(t, srv.Addr), "tenant-a", 5))
	b := newLimiter(t, hourly(client(t, srv.Addr), "tenant-a", 5))
	other := newLimiter(t, hourly(client(t, srv.Addr), "tenant-b", 5))
	if got := permits(a) + permits(b); got != 5 {
		t.Fatalf("two replicas got %d permits of a budget of 5", got)
	}
	if got := permits(other); got != 5 {
		t.Fatalf("another tenant got %d permits of its own 5", got)
	}
}

func TestOneThrottledPausesTheFleet(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newLimiter(t, hourly(client(t, srv.Addr), "t", 100))
	b := newLimiter(t, hourly(client(t, srv.Addr), "t", 100))
	a.Throttled(context.Background(), time.Minute)
	if got := permits(b); got != 0 {
		t.Fatalf("a replica got %d permits while the fleet was paused", got)
	}
}

// syncBuffer is a log a test reads while the limiter writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRedisOutOfReachFallsBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	proxy := srv.Proxy()
	var logs syncBuffer
	reader := sdkmetric.NewManualReader()
	cfg := hourly(client(t, proxy.Addr), "t", 8)
	cfg.Replicas, cfg.Recheck = 4, 50*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	l := newLimiter(t, cfg)
	if got := permits(l); got != 8 {
		t.Fatalf("Redis up: %d permits; want 8", got)
	}
	proxy.Cut()
	// Every Wait still gets its permit, from this replica's share: 8/4.
	if got := permits(l); got != 2 {
		t.Fatalf("Redis out of reach: %d permits; want this replica's share, 2", got)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d WARN lines for one outage; want 1:\n%s", n, logs.String())
	}
	if got := counter(t, reader, "upvest.ratelimit.fallback.permits"); got != 2 {
		t.Fatalf("fallback permits metric = %d; want 2", got)
	}
	proxy.Restore()
	time.Sleep(60 * time.Millisecond) // past Recheck: Redis is asked again
	if got := permits(l); got != 0 {
		t.Fatalf("Redis back: %d permits; the shared budget was spent", got)
	}
	if !strings.Contains(logs.String(), "Redis back") {
		t.Fatalf("no INFO line when Redis came back:\n%s", logs.String())
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	l := newLimiter(t, hourly(client(t, srv.Addr), "t", 1))
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
}

func counter(t *testing.T, reader *sdkmetric.ManualReader, name string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				var n int64
				for _, dp := range sum.DataPoints {
					n += dp.Value
				}
				return n
			}
		}
	}
	return 0
}
