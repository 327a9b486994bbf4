package main

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
)

// TestRateLimitFlags: --rate-limit with --redis (from the variable the
// other --redis commands read) draws its permits from the Redis, under the
// client id; bad values are usage errors.
func TestRateLimitFlags(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	w := newWorld(t)
	w.env[redisEnv] = "redis://" + srv.Addr + "/0"
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	key := redisrate.KeyPrefix + "{" + w.env["UPVEST_CLIENT_ID"] + "}:tat"
	if code, _, stderr := w.run(t, "account-groups", "list", "--rate-limit", "50"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := rdb.Exists(context.Background(), key).Val(); n != 1 {
		t.Fatalf("no GCRA key %s in Redis after a rate-limited call", key)
	}
	for _, args := range [][]string{
		{"--rate-limit", "-1"},
		{"--rate-limit", "5", "--rate-burst", "0"},
		{"--rate-limit", "5", "--redis", "http://example.test"},
		{"--rate-limit", "NaN"},
		{"--rate-limit", "Inf"},
		{"--rate-limit", "0.001"}, // below one a minute, which --redis counts in
		{"--rate-limit", "NaN", "--redis", ""},
		{"--rate-limit", "Inf", "--redis", ""},
	} {
		code, _, stderr := w.run(t, append([]string{"account-groups", "list"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "--r") {
			t.Errorf("%v: exit %d, %q; want a usage error naming the flag", args, code, stderr)
		}
	}
}
