package main

import (
	"flag"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
)

// budget is the account-group commands' share of the tenant's rate limit:
// --rate-limit alone keeps this process to it, with --redis every process
// using that Redis and client id shares it.
type budget struct {
	rate            float64
	burst, replicas int
	redisURL        string
}

// groupFlags returns the account-group command's flag set with the
// credentials and the rate budget.
func (a *app) groupFlags() (*flag.FlagSet, *credentials) {
	fs, creds := a.apiFlags()
	b := &budget{}
	fs.Float64Var(&b.rate, "rate-limit", 0, "send at most `N` requests per second under this client id (default: no limit)")
	fs.IntVar(&b.burst, "rate-burst", 1, "with --rate-limit, let up to `N` requests go at once after a quiet spell")
	fs.StringVar(&b.redisURL, "redis", a.env(redisEnv), "with --rate-limit, share it through the Redis at `URL` with every process using the same client id: "+redisForms+", "+redisEnv)
	fs.IntVar(&b.replicas, "replicas", 1, "with --redis, how many processes share the limit: while Redis is out of reach each keeps to the limit divided by `N`")
	creds.budget = b
	return fs, creds
}

// options returns the client options for b, and a function that closes
// what they opened.
func (b *budget) options(clientID string) ([]upvest.Option, func(), error) {
	switch {
	case !(b.rate >= 0) || math.IsInf(b.rate, 0) || b.burst < 1 || b.replicas < 1:
		return nil, nil, usageErr("--rate-limit must be a number ≥ 0, --rate-burst and --replicas ≥ 1")
	case b.rate == 0:
		return nil, func() {}, nil
	case b.redisURL == "":
		return []upvest.Option{upvest.WithRateLimiter(rate.NewLimiter(rate.Limit(b.rate), b.burst))}, func() {}, nil
	}
	o, err := redis.ParseURL(b.redisURL) // redis:// or rediss:// only
	if err != nil {
		return nil, nil, usageErr("--redis wants " + redisForms)
	}
	// redisrate counts whole requests per period: a fractional rate is
	// kept per minute.
	perMinute := math.Round(b.rate * 60)
	if perMinute < 1 || perMinute > math.MaxInt32 {
		return nil, nil, usageErr("with --redis, --rate-limit must be from 1/60 (one a minute) to 35,791,394 per second")
	}
	// Redis that does not answer costs a call no more than redisrate's
	// Timeout; short timeouts of its own let go of the connection soon.
	o.DialerRetries, o.MaxRetries = 1, -1
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Second, time.Second, time.Second
	rdb := redis.NewClient(o)
	l, err := redisrate.New(redisrate.Config{Client: rdb, Key: clientID, Rate: int(perMinute), Period: time.Minute, Burst: b.burst, Replicas: b.replicas})
	if err != nil {
		rdb.Close()
		return nil, nil, usageErr(fmt.Sprintf("--rate-limit: %v", err))
	}
	return []upvest.Option{upvest.WithRateLimiter(l)}, func() { rdb.Close() }, nil
}
