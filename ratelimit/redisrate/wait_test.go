package redisrate_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
)

// pastDeadline is a context whose deadline has passed but whose Done has
// not fired yet.
type pastDeadline struct{ context.Context }

func (pastDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Second), true }

func TestPassedDeadlineTakesNoSlot(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	l := newLimiter(t, hourly(client(t, srv.Addr), "t", 3))
	if err := l.Wait(pastDeadline{context.Background()}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want DeadlineExceeded", err)
	}
	if got := permits(l); got != 3 {
		t.Fatalf("%d permits left of 3 after a Wait past its deadline", got)
	}
}

// TestLocalPauseBeyondDeadlineFailsAtOnce: a pause this replica knows of
// that outlasts the caller's deadline fails the Wait without sleeping.
func TestLocalPauseBeyondDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	l := newLimiter(t, hourly(client(t, srv.Addr), "t", 3))
	l.Throttled(context.Background(), time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour/2)
	defer cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("err = %v (ctx %v); want DeadlineExceeded before the deadline", err, ctx.Err())
	}
}

// TestHungRedisCostsAtMostTimeout: a Redis that accepts connections but
// answers nothing (stopped) is given up on after Config.Timeout, even in
// go-redis's connection handshake, which reads with the client's own
// ReadTimeout: the permit comes from the fall-back well within a deadline
// shorter than that ReadTimeout.
func TestHungRedisCostsAtMostTimeout(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: 10 * time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	l := newLimiter(t, redisrate.Config{Client: rdb, Key: "t", Rate: 100, Burst: 10})
	srv.Pause()
	defer srv.Resume()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for i := range 3 {
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("Wait %d with Redis hung: %v", i, err)
		}
	}
}

func TestKeyWithBracesRefused(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, key := range []string{"}x", "a{b", "c}"} {
		_, err := redisrate.New(redisrate.Config{Client: rdb, Key: key, Rate: 1})
		if !errors.Is(err, redisrate.ErrConfig) || !strings.Contains(err.Error(), "Key") {
			t.Errorf("Key %q: err = %v; want ErrConfig naming Key", key, err)
		}
	}
}
