package redisrate

import (
	"context"
	"time"
)

// Throttled implements upvest.Throttler: a 429 reached this process, so
// every replica pauses for retryAfter (Config.Pause when 0). The pause is
// written to Redis only when none is running (SET NX PX), so a burst of
// 429s pauses the fleet once rather than pushing the pause out each time;
// this process keeps its own record too, which holds while Redis is out
// of reach. One Redis round trip, bounded by Config.Timeout.
func (l *Limiter) Throttled(ctx context.Context, retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = l.cfg.Pause
	}
	until := time.Now().Add(retryAfter)
	o := &l.state
	o.mu.Lock()
	if until.After(o.pauseUntil) {
		o.pauseUntil = until
	}
	down := time.Now().Before(o.downUntil)
	o.mu.Unlock()
	if down {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
	defer cancel()
	set, err := l.cfg.Client.SetNX(ctx, l.pauseKey, "1", retryAfter).Result()
	if err != nil {
		l.lost(err)
		return
	}
	if set && l.pauses != nil {
		l.pauses.Add(ctx, 1)
	}
}
