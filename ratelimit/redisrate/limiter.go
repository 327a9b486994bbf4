package redisrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"

	"github.com/upvest-go/upvest/internal/clock"
)

// Limiter is an upvest.RateLimiter and upvest.Throttler shared through
// Redis by every process whose Limiter has the same Key. Build it with
// New; it is safe for concurrent use.
type Limiter struct {
	cfg       Config
	keys      []string      // the TAT's and the pause's, in one hash slot
	interval  float64       // seconds between permits
	tolerance float64       // the burst's: Burst intervals
	local     *rate.Limiter // the fall-back while Redis is out of reach
	state     outage
	fallbacks metric.Int64Counter
	pauses    metric.Int64Counter
}

// New returns a Limiter for cfg, or an error matching ErrConfig.
func New(cfg Config) (*Limiter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	interval := cfg.Period.Seconds() / float64(cfg.Rate)
	// The keys share a hash tag, so the script may touch both on a
	// Cluster.
	tag := KeyPrefix + "{" + cfg.Key + "}:"
	l := &Limiter{
		cfg:       cfg,
		keys:      []string{tag + "tat", tag + "pause"},
		interval:  interval,
		tolerance: interval * float64(cfg.Burst),
		local:     rate.NewLimiter(rate.Limit(1/interval/float64(cfg.Replicas)), max(1, cfg.Burst/cfg.Replicas)),
	}
	if err := l.instruments(); err != nil {
		return nil, err
	}
	return l, nil
}

// Wait blocks until the fleet's budget has a permit for one request, or
// ctx ends (its error is returned). A permit that would come after ctx's
// deadline is not taken: Wait fails at once with an error wrapping
// context.DeadlineExceeded. Its one Redis round trip reserves the next
// free slot; a waiter that queued for its slot asks once more, when it
// comes, whether a replica heard a 429 meanwhile, and then queues again
// behind the pause. A slot reserved by a Wait whose ctx ends before it
// comes goes unused. While Redis is out of reach (or slower than
// Config.Timeout) the permit comes from the per-process fall-back: Wait
// never fails for Redis.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := sleep(ctx, l.state.pausedFor(time.Now()), true); err != nil {
			return err
		}
		if l.state.useFallback(time.Now()) {
			return l.fallBack(ctx)
		}
		wait, err := l.reserve(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errTooLate):
			l.back()
			return err
		case err != nil:
			l.lost(err)
			return l.fallBack(ctx)
		}
		l.back()
		if wait == 0 {
			return nil
		}
		if err := sleep(ctx, wait, false); err != nil {
			return err
		}
		if !l.pausedInRedis(ctx) {
			return nil
		}
	}
}

var errTooLate = fmt.Errorf("redisrate: the next permit comes after the context's deadline: %w", context.DeadlineExceeded)

// reserve runs the reservation script: one round trip.
func (l *Limiter) reserve(ctx context.Context) (time.Duration, error) {
	maxWait := -1.0
	if deadline, ok := ctx.Deadline(); ok {
		if maxWait = time.Until(deadline).Seconds(); maxWait <= 0 {
			return 0, errTooLate
		}
	}
	var res []int64
	err := l.bounded(ctx, func(ctx context.Context) (err error) {
		res, err = reserve.Run(ctx, l.cfg.Client, l.keys[:1], l.interval, l.tolerance, maxWait).Int64Slice()
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("redisrate: the script answered %d values", len(res))
	}
	wait := time.Duration(res[1]) * time.Microsecond
	if res[0] == 0 {
		return wait, errTooLate
	}
	return wait, nil
}

// bounded runs f, a Redis round trip, for at most Config.Timeout: past it,
// f is left to finish on its own and its result dropped. The context alone
// does not bound it: go-redis reads a new connection's handshake with the
// client's own ReadTimeout (seconds), whatever the context says.
func (l *Limiter) bounded(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleep waits d, or until ctx ends; with failFast, a wait that would
// outlast ctx's deadline fails at once.
func sleep(ctx context.Context, d time.Duration, failFast bool) error {
	if d <= 0 {
		return ctx.Err()
	}
	if deadline, ok := ctx.Deadline(); ok && failFast && time.Until(deadline) < d {
		return errTooLate
	}
	if !clock.Sleep(ctx.Done(), d) {
		return ctx.Err()
	}
	return nil
}
