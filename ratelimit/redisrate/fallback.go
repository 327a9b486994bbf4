package redisrate

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// outage is what a Limiter knows of Redis's reach and of the fleet's
// pause, for when Redis cannot say.
type outage struct {
	mu         sync.Mutex
	downUntil  time.Time // while Redis is out of reach: when to ask again
	wasDown    bool      // Redis was out of reach at the last try
	probing    bool      // a caller is asking Redis whether it is back
	pauseUntil time.Time // the last pause this process wrote or heard of
}

// useFallback reports whether the caller takes its permit from the
// fall-back at now: while Redis is out of reach, until Recheck has passed;
// then one caller asks Redis again while the others keep to the fall-back.
func (o *outage) useFallback(now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.wasDown:
		return false
	case now.Before(o.downUntil) || o.probing:
		return true
	}
	o.probing = true
	return false
}

// paused records a pause until the given time, and reports whether Redis
// is out of reach (so that the record is all there is).
func (o *outage) paused(until time.Time) (down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if until.After(o.pauseUntil) {
		o.pauseUntil = until
	}
	return o.wasDown && time.Now().Before(o.downUntil)
}

// pausedFor is how long this process's own record of a pause still runs.
func (o *outage) pausedFor(now time.Time) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pauseUntil.Sub(now)
}

// lost records that Redis failed or was slower than Config.Timeout: the
// fall-back serves until Recheck has passed; the first failure of an
// outage is logged (go-redis's error names the address, never a password).
func (l *Limiter) lost(err error) {
	o := &l.state
	o.mu.Lock()
	first := !o.wasDown
	o.wasDown, o.probing, o.downUntil = true, false, time.Now().Add(l.cfg.Recheck)
	o.mu.Unlock()
	if first {
		l.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn,
			"upvest rate limit: Redis out of reach; each replica keeps to its share of the budget until it is back",
			slog.String("key", l.cfg.Key), slog.Float64("per_second", float64(l.local.Limit())), slog.String("error", err.Error()))
	}
}

// back records that Redis answered, logging the end of an outage.
func (l *Limiter) back() {
	o := &l.state
	o.mu.Lock()
	was := o.wasDown
	o.wasDown, o.probing = false, false
	o.mu.Unlock()
	if was {
		l.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "upvest rate limit: Redis back; the fleet shares one budget again",
			slog.String("key", l.cfg.Key))
	}
}

// fallBack waits for a permit of the per-process limiter and counts it.
func (l *Limiter) fallBack(ctx context.Context) error {
	if err := l.local.Wait(ctx); err != nil {
		return err
	}
	if l.fallbacks != nil {
		l.fallbacks.Add(ctx, 1)
	}
	return nil
}

func (l *Limiter) instruments() error {
	if l.cfg.MeterProvider == nil {
		return nil
	}
	m := l.cfg.MeterProvider.Meter("github.com/upvest-go/upvest/ratelimit/redisrate")
	var err error
	if l.fallbacks, err = m.Int64Counter("upvest.ratelimit.fallback.permits",
		metric.WithDescription("Permits given by the per-process fall-back while Redis was out of reach.")); err != nil {
		return err
	}
	l.pauses, err = m.Int64Counter("upvest.ratelimit.pauses",
		metric.WithDescription("Pauses of the fleet this process wrote after a 429."))
	return err
}
