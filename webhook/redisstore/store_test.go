package redisstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/webhook"
)

func open(t *testing.T, srv *redistest.Server, opts ...Option) *Store {
	t.Helper()
	s, err := Open(srv.URL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestClaimDoneRelease: the claim life cycle on a real Redis.
func TestClaimDoneRelease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := open(t, srv)
	ctx := context.Background()
	c1, err := s.Claim(ctx, "e1", time.Minute)
	if err != nil || c1.State != webhook.Claimed || c1.Token == "" {
		t.Fatalf("first claim: %+v %v", c1, err)
	}
	if c2, err := s.Claim(ctx, "e1", time.Minute); err != nil || c2.State != webhook.Busy {
		t.Fatalf("claim of a held event: %+v %v, want busy", c2, err)
	}
	// A release with another token does nothing.
	if err := s.Release(ctx, "e1", "claim:someone-else"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Claim(ctx, "e1", time.Minute); c.State != webhook.Busy {
		t.Fatalf("a foreign release freed the claim: %+v", c)
	}
	if err := s.Release(ctx, "e1", c1.Token); err != nil {
		t.Fatal(err)
	}
	c3, err := s.Claim(ctx, "e1", time.Minute)
	if err != nil || c3.State != webhook.Claimed {
		t.Fatalf("claim after release: %+v %v", c3, err)
	}
	if err := s.Done(ctx, "e1", c3.Token, time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Claim(ctx, "e1", time.Minute); c.State != webhook.Handled {
		t.Fatalf("claim after done: %+v, want handled", c)
	}
	// The done mark is written with its TTL; the claim with its lease.
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rc.Close()
	if ttl := rc.PTTL(ctx, DefaultPrefix+"e1").Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("done mark TTL %v, want about 1h", ttl)
	}
	// A lease long enough that a loaded machine cannot outlast it between
	// the two calls (a 150 ms one expired there once).
	if _, err := s.Claim(ctx, "e2", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if ttl := rc.PTTL(ctx, DefaultPrefix+"e2").Val(); ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("claim TTL %v, want the 10 min lease", ttl)
	}
}

// TestRenew: a renewal extends the claim's expiry only while the token
// holds it, and reports whether it does.
func TestRenew(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := open(t, srv)
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rc.Close()
	c, err := s.Claim(ctx, "e", 10*time.Minute)
	if err != nil || c.State != webhook.Claimed {
		t.Fatalf("claim: %+v %v", c, err)
	}
	for _, tc := range []struct {
		name  string
		token string
		lease time.Duration
		held  bool
		ttl   time.Duration // the key's expiry after it, within 30 s (a loaded machine)
	}{
		{"the holder", c.Token, time.Hour, true, time.Hour},
		{"another token", "claim:someone-else", 2 * time.Hour, false, time.Hour},
		{"the holder again", c.Token, time.Minute, true, time.Minute},
	} {
		held, err := s.Renew(ctx, "e", tc.token, tc.lease)
		ttl := rc.PTTL(ctx, DefaultPrefix+"e").Val()
		if err != nil || held != tc.held || ttl > tc.ttl || ttl < tc.ttl-30*time.Second {
			t.Fatalf("%s: held %v, %v, expiry in %v; want held %v, expiry in %v", tc.name, held, err, ttl, tc.held, tc.ttl)
		}
	}
	if err := s.Done(ctx, "e", c.Token, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"e", "never-claimed"} {
		if held, err := s.Renew(ctx, id, c.Token, time.Hour); err != nil || held {
			t.Fatalf("renewal of %s (done, or never claimed): %v %v, want false", id, held, err)
		}
	}
	if rc.Get(ctx, DefaultPrefix+"e").Val() != doneMark {
		t.Fatal("a renewal touched the done mark")
	}
}

// TestNewRefusesANilClient: with a panic matching webhook.ErrConfig.
func TestNewRefusesANilClient(t *testing.T) {
	t.Parallel()
	defer func() {
		if err, ok := recover().(error); !ok || !errors.Is(err, webhook.ErrConfig) {
			t.Fatalf("New(nil) panicked with %v, want an error matching webhook.ErrConfig", err)
		}
	}()
	New(nil)
}

// TestLeaseExpiry: a claim whose holder vanished can be taken once its
// lease has run out.
func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := open(t, srv)
	ctx := context.Background()
	if c, _ := s.Claim(ctx, "e", 100*time.Millisecond); c.State != webhook.Claimed {
		t.Fatal(c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := s.Claim(ctx, "e", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == webhook.Claimed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %v after the lease", c.State)
		}
		time.Sleep(20 * time.Millisecond) // Redis expires the key on its own clock: poll it, against the deadline
	}
}

// TestOneClaimAmongMany: 50 concurrent claims of one event, from 5
// separate clients, give exactly one Claimed.
func TestOneClaimAmongMany(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var stores []*Store
	for i := 0; i < 5; i++ {
		stores = append(stores, open(t, srv))
	}
	var claimed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := stores[i%5].Claim(context.Background(), "same", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if c.State == webhook.Claimed {
				claimed.Add(1)
			}
		}()
	}
	wg.Wait()
	if claimed.Load() != 1 {
		t.Fatalf("%d claims succeeded, want 1", claimed.Load())
	}
}

// TestPrefix keeps two receivers' keys apart.
func TestPrefix(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, b := open(t, srv, WithPrefix("a:")), open(t, srv, WithPrefix("b:"))
	ctx := context.Background()
	ca, _ := a.Claim(ctx, "e", time.Minute)
	_ = a.Done(ctx, "e", ca.Token, time.Hour)
	if c, _ := b.Claim(ctx, "e", time.Minute); c.State != webhook.Claimed {
		t.Fatalf("another prefix saw the event: %v", c.State)
	}
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rc.Close()
	if rc.Get(ctx, "a:e").Val() != "done" {
		t.Fatal("the prefix was not used")
	}
}

// TestErrorsHideThePassword: a bad URL and an unreachable server give
// errors without the URL's password.
func TestErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	const pw = "s3cret-redis-pass"
	if _, err := Open("redis://:" + pw + "@127.0.0.1:notaport/0"); !errors.Is(err, ErrURL) || strings.Contains(err.Error(), pw) {
		t.Fatalf("bad URL: %v", err)
	}
	s2, _ := Open("redis://:" + pw + "@127.0.0.1:1/0")
	defer s2.Close()
	if err := s2.Ping(context.Background()); err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("unreachable: %v", err)
	}
}
