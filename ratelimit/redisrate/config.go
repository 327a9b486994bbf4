// Package redisrate is an upvest.RateLimiter shared by every replica of a
// service through Redis, so a fleet that calls Upvest under one client id
// keeps to that client's one rate budget:
//
//	limiter, err := redisrate.New(redisrate.Config{
//		Client: rdb, Key: clientID, Rate: 40, Burst: 5, Replicas: 4,
//	})
//	client, err := upvest.New(cfg, upvest.WithRateLimiter(limiter))
//
// Permits come from GCRA (the generic cell rate algorithm) run as a
// reservation in one Lua script on Redis's own clock, so the replicas'
// clocks do not matter: each Wait takes the budget's next free slot in one
// round trip and sleeps until it comes. Waiters queue in Redis rather than
// poll it. github.com/go-redis/redis_rate, the obvious choice, only
// answers "allowed or retry after", so every refused waiter asks again:
// measured with four processes (BENCHMARKS.md) that cost 20.3 Redis
// commands per call (9.6 round trips) against 5.1 here (2.1 round trips: the reservation,
// and a check of the pause when the waiter queued).
//
// A 429 that reaches any replica pauses all of them: the Limiter is an
// upvest.Throttler, and on Throttled it extends the fleet's pause in Redis
// (the answer's Retry-After, else Config.Pause) and moves the budget past
// it, so every reservation comes after it and the budget restarts empty,
// paced, when it ends; a waiter that had already queued for a slot asks
// once more when its slot comes.
//
// When Redis cannot be reached no call fails for it: the Limiter falls back
// to a per-process limiter of Rate/Replicas, logs one WARN per outage, counts
// each permit it gives in the upvest.ratelimit.fallback.permits metric, and
// asks Redis again after Config.Recheck.
//
// It lives apart from package upvest so that users of one process do not
// compile a Redis client; they pass a *rate.Limiter instead.
package redisrate

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/metric"
)

// Config configures a Limiter. Client and Rate are required; every other
// zero value takes the default its field names.
type Config struct {
	// Client is the Redis every replica shares: a *redis.Client,
	// *redis.ClusterClient or a Sentinel-backed failover client. The
	// caller keeps and closes it.
	Client redis.UniversalClient
	// Key names the budget in Redis. Use the Upvest client id: replicas
	// of one client share a budget, other clients have their own. Zero:
	// "default".
	Key string
	// Rate is how many requests the tenant may send per Period.
	Rate int
	// Period is Rate's period. Zero: one second.
	Period time.Duration
	// Burst is how many requests may go at once after a quiet spell.
	// Zero: 1.
	Burst int
	// Replicas is how many processes share the budget. While Redis is out
	// of reach each process keeps to Rate/Replicas on its own. Zero: 1.
	Replicas int
	// Pause is how long one 429 without Retry-After pauses every replica.
	// Zero: one second.
	Pause time.Duration
	// Timeout bounds each Redis round trip, a new connection's handshake
	// included; a slower one counts as Redis out of reach. Zero: 250 ms.
	Timeout time.Duration
	// Recheck is how long the fall-back limiter serves alone before Redis
	// is asked again. Zero: one second.
	Recheck time.Duration
	// Logger gets the WARN when Redis is out of reach and the INFO when it
	// is back. Zero: slog.Default().
	Logger *slog.Logger
	// MeterProvider records upvest.ratelimit.fallback.permits and
	// upvest.ratelimit.pauses. Zero: no metrics.
	MeterProvider metric.MeterProvider
}

// ErrConfig reports a Config that cannot work.
var ErrConfig = errors.New("redisrate: invalid configuration")

// KeyPrefix starts every key a Limiter writes: KeyPrefix+"{"+Key+"}:tat"
// and ":pause", in one hash slot (so Key may hold neither brace).
const KeyPrefix = "upvest:"

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Client == nil:
		return c, fmt.Errorf("%w: Client is nil", ErrConfig)
	case c.Rate <= 0:
		return c, fmt.Errorf("%w: Rate %d is not positive", ErrConfig, c.Rate)
	case strings.ContainsAny(c.Key, "{}"):
		return c, fmt.Errorf("%w: Key %q holds { or }, which Redis Cluster reads as a hash tag", ErrConfig, c.Key)
	case c.Period < 0, c.Burst < 0, c.Replicas < 0, c.Pause < 0, c.Timeout < 0, c.Recheck < 0:
		return c, fmt.Errorf("%w: Period, Burst, Replicas, Pause, Timeout and Recheck cannot be negative", ErrConfig)
	}
	if c.Key == "" {
		c.Key = "default"
	}
	c.Period = or(c.Period, time.Second)
	c.Pause = or(c.Pause, time.Second)
	c.Timeout = or(c.Timeout, 250*time.Millisecond)
	c.Recheck = or(c.Recheck, time.Second)
	c.Burst = max(c.Burst, 1)
	c.Replicas = max(c.Replicas, 1)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
