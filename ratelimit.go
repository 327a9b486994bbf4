package upvest

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// RateLimiter gives each attempt of a call a permit before it is sent:
// Wait blocks until one is free, or returns an error (the context's, or
// the limiter's own) and the attempt is not sent. *rate.Limiter from
// golang.org/x/time/rate satisfies it, which is all one process needs;
// ratelimit/redisrate shares one budget among every replica of a service
// through Redis. Implementations must be safe for concurrent use.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// Throttler is what a RateLimiter may also implement to hear of each 429
// (Too Many Requests) answer: Throttled is called once per such answer,
// before the call retries, with the answer's Retry-After (0 when it has
// none, as Upvest documents), so the limiter can slow every caller that
// shares it, not just the one that was refused. It must not block for
// long: the call waits for it.
type Throttler interface {
	Throttled(ctx context.Context, retryAfter time.Duration)
}

// WithRateLimiter makes every attempt of every call (retries included, the
// facade's and the generated client's alike) wait for a permit from l
// before it is sent; nil (the default) sends at once. A call whose wait
// fails is a *CallError wrapping the limiter's error, and nothing more is
// sent for it. Only the call's context bounds the wait for a permit (the
// attempt timeout starts when the permit comes): give calls a deadline
// when a long queue for the budget should fail them instead.
//
// Token requests draw no permits: there is one per scope set per token
// lifetime, shared by every caller, and it is made inside an attempt that
// already holds its permit, so drawing a second one would let a saturated
// budget stall the very request the queued calls wait for.
func WithRateLimiter(l RateLimiter) Option { return func(o *options) { o.limiter = l } }

// permit waits for the limiter's permit for attempt n of c; how long it
// waited is an event on the call's span.
func (p *doer) permit(ctx context.Context, c *call, n int) error {
	began := time.Now()
	err := p.limiter.Wait(ctx)
	if c.span != nil {
		c.span.AddEvent("rate permit", trace.WithAttributes(attribute.Int("attempt", n),
			attribute.Float64("wait_s", time.Since(began).Seconds())))
	}
	if err != nil {
		return &CallError{Method: c.op.Op.Method, Path: c.path, Err: fmt.Errorf("waiting for a rate permit: %w", err), Attempts: n - 1}
	}
	return nil
}

// throttled tells the limiter, when it listens, of a 429 answer and the
// Retry-After the call honours (0 when the answer has none).
func (p *doer) throttled(ctx context.Context, retryAfter time.Duration) {
	if t, ok := p.limiter.(Throttler); ok {
		t.Throttled(ctx, retryAfter)
	}
}
