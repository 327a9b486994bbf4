package redisrate

import (
	"context"
	"time"
)

// Throttled implements upvest.Throttler: a 429 reached this process, so
// every replica pauses for retryAfter (Config.Pause when 0). In one Redis
// round trip (bounded by Config.Timeout) the fleet's pause is extended to
// it, never shortened, and the budget is moved past it: when the pause
// ends the budget restarts empty, paced, with no burst. This process keeps
// its own record too, which holds while Redis is out of reach.
func (l *Limiter) Throttled(ctx context.Context, retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = l.cfg.Pause
	}
	retryAfter = max(retryAfter, time.Millisecond)
	if l.state.paused(time.Now().Add(retryAfter)) {
		return // Redis is out of reach: the record is all there is
	}
	var extended int64
	err := l.bounded(context.WithoutCancel(ctx), func(ctx context.Context) (err error) {
		extended, err = throttle.Run(ctx, l.cfg.Client, l.keys, retryAfter.Milliseconds(), l.interval, l.tolerance).Int64()
		return err
	})
	if err != nil {
		l.lost(err)
		return
	}
	if extended == 1 && l.pauses != nil {
		l.pauses.Add(ctx, 1)
	}
}

// pausedInRedis reports whether the fleet's pause is running: asked by a
// waiter that queued for its slot, in case a 429 came meanwhile.
func (l *Limiter) pausedInRedis(ctx context.Context) bool {
	var left time.Duration
	err := l.bounded(ctx, func(ctx context.Context) (err error) {
		left, err = l.cfg.Client.PTTL(ctx, l.keys[1]).Result()
		return err
	})
	return err == nil && left > 0
}
