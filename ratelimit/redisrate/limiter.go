package redisrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"
)

// Limiter is an upvest.RateLimiter and upvest.Throttler shared through
// Redis by every process whose Limiter has the same Key. Build it with
// New; it is safe for concurrent use.
type Limiter struct {
	cfg       Config
	keys      []string // the TAT's and the pause's, in one hash slot
	interval  float64  // seconds between permits
	tolerance float64  // the burst's: (Burst-1) intervals early, plus one
	pauseKey  string
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
		pauseKey:  tag + "pause",
		local:     rate.NewLimiter(rate.Limit(1/interval/float64(cfg.Replicas)), max(1, cfg.Burst/cfg.Replicas)),
	}
	if err := l.instruments(); err != nil {
		return nil, err
	}
	return l, nil
}

// Wait blocks until the fleet's budget has a permit for one request, or
// ctx ends (its error is returned; a permit that would come after ctx's
// deadline is not taken, and the error wraps context.DeadlineExceeded).
// Its one Redis round trip reserves the next free slot, after any pause a
// replica's Throttled wrote; a slot reserved by a Wait whose ctx is
// canceled before it comes goes unused. While Redis is out of reach the
// permit comes from the per-process fall-back: Wait never fails for Redis.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := sleep(ctx, l.state.pausedFor(time.Now())); err != nil {
		return err
	}
	if l.state.down(time.Now()) {
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
	return sleep(ctx, wait)
}

var errTooLate = fmt.Errorf("redisrate: the next permit comes after the context's deadline: %w", context.DeadlineExceeded)

// reserve runs the script: one round trip, bounded by Config.Timeout.
func (l *Limiter) reserve(ctx context.Context) (time.Duration, error) {
	maxWait := -1.0
	if deadline, ok := ctx.Deadline(); ok {
		maxWait = time.Until(deadline).Seconds()
	}
	rctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	res, err := reserve.Run(rctx, l.cfg.Client, l.keys, l.interval, l.tolerance, maxWait).Int64Slice()
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

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
