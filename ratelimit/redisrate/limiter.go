package redisrate

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"
)

// Limiter is an upvest.RateLimiter and upvest.Throttler shared through
// Redis by every process whose Limiter has the same Key. Build it with
// New; it is safe for concurrent use.
type Limiter struct {
	cfg       Config
	gcra      *redis_rate.Limiter
	limit     redis_rate.Limit
	gcraKey   string
	pauseKey  string
	turn      chan struct{} // one waiter per process asks Redis at a time
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
	perSecond := float64(cfg.Rate) / cfg.Period.Seconds() / float64(cfg.Replicas)
	l := &Limiter{
		cfg:      cfg,
		gcra:     redis_rate.NewLimiter(cfg.Client),
		limit:    redis_rate.Limit{Rate: cfg.Rate, Burst: cfg.Burst, Period: cfg.Period},
		gcraKey:  KeyPrefix + cfg.Key,
		pauseKey: KeyPrefix + "pause:" + cfg.Key,
		turn:     make(chan struct{}, 1),
		local:    rate.NewLimiter(rate.Limit(perSecond), max(1, cfg.Burst/cfg.Replicas)),
	}
	if err := l.instruments(); err != nil {
		return nil, err
	}
	return l, nil
}

// Wait blocks until the fleet's budget has a permit for one request, or
// ctx ends (its error is returned). A pause written by any replica's
// Throttled is waited out first. While Redis is out of reach the permit
// comes from the per-process fall-back; Wait never fails for Redis.
func (l *Limiter) Wait(ctx context.Context) error {
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.turn }()
	for {
		if err := sleep(ctx, l.state.pausedFor(time.Now())); err != nil {
			return err
		}
		if l.state.down(time.Now()) {
			return l.fallBack(ctx)
		}
		wait, err := l.ask(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			l.lost(err)
			continue
		case wait == 0:
			l.back()
			return nil
		}
		l.back()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// ask makes the round trips of one try: the fleet's pause, then, when
// there is none, the GCRA. It returns how long to wait before trying
// again, 0 when a permit was taken.
func (l *Limiter) ask(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	paused, err := l.cfg.Client.PTTL(ctx, l.pauseKey).Result()
	if err != nil {
		return 0, err
	}
	if paused > 0 {
		return paused, nil
	}
	res, err := l.gcra.Allow(ctx, l.gcraKey, l.limit)
	if err != nil {
		return 0, err
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
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
