package redisrate_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
)

// tatAhead is how far the budget's next slot (its TAT) is ahead of
// Redis's clock.
func tatAhead(t *testing.T, rdb *redis.Client, key string) time.Duration {
	t.Helper()
	ctx := context.Background()
	v, err := rdb.Get(ctx, redisrate.KeyPrefix+"{"+key+"}:tat").Result()
	if err != nil {
		t.Fatal(err)
	}
	tat, _ := strconv.ParseFloat(v, 64)
	now := rdb.Time(ctx).Val()
	return time.Duration((tat - (float64(now.UnixMicro())/1e6 - 1483228800)) * float64(time.Second))
}

// TestPauseOutlivesItsKey: a 429 moves the budget itself past the pause,
// so when the pause's key is gone the budget restarts paced, not with a
// burst (the pause's own replica sleeps its record out before asking).
func TestPauseOutlivesItsKey(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	cfg := redisrate.Config{Client: rdb, Key: "t", Rate: 10, Burst: 5}
	l := newLimiter(t, cfg)
	l.Throttled(context.Background(), time.Hour)
	rdb.Del(context.Background(), redisrate.KeyPrefix+"{t}:pause") // as if it expired
	if ahead := tatAhead(t, rdb, "t"); ahead < time.Hour {
		t.Fatalf("after a pause of an hour the budget's next slot is %v ahead; want past the pause", ahead)
	}
	if got := permits(newLimiter(t, cfg)); got != 0 {
		t.Fatalf("%d permits within the pause, its key gone", got)
	}
}

// TestQueuedWaiterHonoursALaterPause: a waiter that reserved a slot before
// another replica heard a 429 does not fire into the pause.
func TestQueuedWaiterHonoursALaterPause(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	cfg := redisrate.Config{Client: rdb, Key: "t", Rate: 1, Period: 300 * time.Millisecond}
	a, b := newLimiter(t, cfg), newLimiter(t, cfg)
	if err := a.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Wait(ctx) }() // reserves the slot 300 ms on
	for tatAhead(t, rdb, "t") < 400*time.Millisecond {
		time.Sleep(5 * time.Millisecond) // until the second slot is taken
	}
	b.Throttled(context.Background(), time.Hour)
	if err := <-done; err == nil {
		t.Fatal("a queued waiter got its permit inside another replica's pause")
	}
}

// TestThrottledExtendsNeverShortens: a longer Retry-After extends the
// fleet's pause; a shorter one leaves it.
func TestThrottledExtendsNeverShortens(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	l := newLimiter(t, hourly(rdb, "t", 10))
	pttl := func() time.Duration { return rdb.PTTL(context.Background(), redisrate.KeyPrefix+"{t}:pause").Val() }
	l.Throttled(context.Background(), time.Second)
	l.Throttled(context.Background(), time.Minute)
	if got := pttl(); got < 59*time.Second {
		t.Fatalf("pause %v after Retry-After 1 s then 1 min; want about a minute", got)
	}
	l.Throttled(context.Background(), time.Second)
	if got := pttl(); got < 58*time.Second {
		t.Fatalf("pause %v after a shorter Retry-After; want it left at about a minute", got)
	}
}
