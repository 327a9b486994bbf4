package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// setAge is how the cached key set stands against MaxAge and Grace.
type setAge int

const (
	fresh   setAge = iota // younger than MaxAge (or no set yet)
	stale                 // older than MaxAge, within the grace: serves, and is fetched again
	expired               // past MaxAge + Grace: its keys are refused
)

// maxAge is MaxAge or its default, at least the hold-off after a success.
func (r *RemoteKeys) maxAge() time.Duration {
	return max(orDefault(r.MaxAge, DefaultMaxAge), orDefault(r.MinInterval, DefaultRefetchInterval))
}

// ageLocked judges the cached set at now; r.mu is held.
func (r *RemoteKeys) ageLocked(now time.Time) setAge {
	switch age := now.Sub(r.fetched); {
	case r.keys == nil || age < r.maxAge():
		return fresh
	case age < r.maxAge()+orDefault(r.Grace, DefaultGrace):
		return stale
	}
	return expired
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// startLocked starts a fetch in its own goroutine; r.mu is held.
func (r *RemoteKeys) startLocked(ctx context.Context) (*keyFetch, error) {
	if r.Fetch == nil {
		return nil, errors.New("webhook: RemoteKeys.Fetch is nil")
	}
	call := &keyFetch{done: make(chan struct{})}
	r.inflight = call
	timeout := r.FetchTimeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	go func() {
		defer cancel()
		set, err := r.fetch(fctx)
		r.finish(call, set, err)
	}()
	return call, nil
}

// fetch runs Fetch and parses its answer; a panic in Fetch is an error.
func (r *RemoteKeys) fetch(ctx context.Context) (set *KeySet, err error) {
	if r.TracerProvider != nil {
		var span trace.Span
		ctx, span = r.TracerProvider.Tracer(instrumentationName).Start(ctx, "upvest.webhook.jwks.fetch")
		defer func() {
			if set != nil {
				span.SetAttributes(attribute.Int("upvest.webhook.jwks.keys", len(set.Keys)), attribute.Int("upvest.webhook.jwks.skipped", len(set.Skipped)))
			}
			if err != nil {
				span.SetStatus(codes.Error, "fetch failed")
			}
			span.End()
		}()
	}
	defer func() {
		if p := recover(); p != nil {
			set, err = nil, fmt.Errorf("webhook: fetching the verification keys panicked: %v", p)
		}
	}()
	data, err := r.Fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("webhook: fetching the verification keys failed: %w", err)
	}
	return ParseKeySet(data)
}

// finish records a completed fetch, starts the hold-off from now, reports
// skipped keys and a failure to renew a set past its MaxAge, and wakes the
// lookups waiting for it.
func (r *RemoteKeys) finish(call *keyFetch, set *KeySet, err error) {
	r.mu.Lock()
	now := r.now()
	if err == nil {
		r.keys, r.fetched = set.Keys, now
		r.next = now.Add(orDefault(r.MinInterval, DefaultRefetchInterval))
	} else {
		r.next = now.Add(orDefault(r.RetryInterval, DefaultRetryInterval))
	}
	r.lastErr = err
	r.inflight = nil
	call.keys, call.err = r.keys, err
	age, fetched := r.ageLocked(now), r.fetched
	r.mu.Unlock()
	if err != nil && age != fresh {
		r.logStale(age, fetched, err)
	}
	if set != nil && r.OnSkippedKey != nil {
		for _, s := range set.Skipped {
			callHook(r.Logger, "OnSkippedKey", func() { r.OnSkippedKey(s) })
		}
	}
	close(call.done)
}

// logStale reports a failed fetch of a set older than MaxAge: a warning
// while the set still serves, an error once its keys are refused.
func (r *RemoteKeys) logStale(age setAge, fetched time.Time, err error) {
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	until := fetched.Add(r.maxAge() + orDefault(r.Grace, DefaultGrace))
	attrs := []any{slog.Time("fetched", fetched), slog.Time("until", until), slog.String("error", err.Error())}
	if age == stale {
		logger.Warn("webhook: the verification keys could not be fetched again; the set older than MaxAge serves until its grace ends", attrs...)
		return
	}
	logger.Error("webhook: the verification keys could not be fetched again and are past their grace: deliveries are refused until a fetch succeeds", attrs...)
}

func (r *RemoteKeys) now() time.Time { return httpsig.Now(r.Now) }
