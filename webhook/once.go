package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// once runs each event's callback once through an EventStore; a nil store
// runs every callback. Its fields are set by NewHandler's options, before
// use.
type once struct {
	store    EventStore
	lease    time.Duration
	doneTTL  time.Duration
	busyWait time.Duration
	onError  func(error)
	logger   *slog.Logger

	mu sync.Mutex
	// pending holds the claims on events handled here whose done mark the
	// store did not take; they count as handled here, their claims are
	// renewed, and their marks are written by a flusher goroutine (one at
	// most, retrying every retryEvery, ending once they are all written)
	// and at the start of each later delivery.
	pending  map[string]*hold
	flushing bool
	// lastBackground is when a background failure was last reported.
	lastBackground time.Time
}

// pollInterval is how often a delivery asks again about a busy event.
const pollInterval = 20 * time.Millisecond

// renewEvery is how often a claim is renewed: a quarter of the lease (at
// least a millisecond, so that a lease of nanoseconds does not spin).
func (o *once) renewEvery() time.Duration { return max(o.lease/4, time.Millisecond) }

// retryEvery is how often a done mark the store did not take is written
// again: every 100 ms, or an eighth of the lease when that is shorter (at
// least a millisecond).
func (o *once) retryEvery() time.Duration {
	return max(min(100*time.Millisecond, o.lease/8), time.Millisecond)
}

// run claims id, runs call with a context bounded by the lease, and marks
// id done, or releases it when call fails or panics (the panic goes on).
// The claim is renewed while call runs and until its done mark is written.
// It returns nil for an event handled here or elsewhere, an error wrapping
// ErrCallback, ErrStore or ErrBusy otherwise.
func (o *once) run(ctx context.Context, id string, call func(context.Context) error) error {
	if o.store == nil {
		if err := call(ctx); err != nil {
			return errors.Join(ErrCallback, err)
		}
		return nil
	}
	if o.isPending(id) {
		return nil
	}
	claim, err := o.claim(ctx, id)
	if err != nil || claim.State == Handled {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, o.lease)
	defer cancel()
	h := o.hold(id, claim.Token, cancel)
	completed := false
	defer func() {
		if !completed { // a panic: free the event for Upvest's retry
			h.stop()
			o.release(id, claim.Token)
		}
	}()
	err = call(cctx)
	completed = true
	if err != nil {
		h.stop()
		o.release(id, claim.Token)
		return errors.Join(ErrCallback, err)
	}
	if err := h.done(context.WithoutCancel(ctx)); err != nil {
		o.report(fmt.Errorf("%w: event %s handled, its done mark kept to write later: %w", ErrStore, id, err))
		o.addPending(h)
		return nil
	}
	return nil
}

// claim takes id, waiting up to busyWait while another holder has it.
func (o *once) claim(ctx context.Context, id string) (Claim, error) {
	deadline := time.Now().Add(o.busyWait)
	for {
		c, err := o.store.Claim(ctx, id, o.lease)
		if err != nil {
			err = fmt.Errorf("%w: claiming event %s: %w", ErrStore, id, err)
			o.report(err)
			return c, err
		}
		if c.State != Busy {
			return c, nil
		}
		if !time.Now().Before(deadline) {
			return c, fmt.Errorf("%w: event %s", ErrBusy, id)
		}
		t := time.NewTimer(min(pollInterval, time.Until(deadline)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return c, fmt.Errorf("%w: event %s: %w", ErrBusy, id, ctx.Err())
		}
	}
}

// release frees a claim after a failure; a release that fails only delays
// Upvest's retry until the lease runs out.
func (o *once) release(id, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.store.Release(ctx, id, token); err != nil {
		o.report(fmt.Errorf("%w: releasing event %s: %w", ErrStore, id, err))
	}
}

func (o *once) report(err error) {
	if o.onError != nil {
		callHook(o.logger, "OnStoreError", func() { o.onError(err) })
	}
}

// reportBackground reports a failure of a background retry (a renewal, a
// done mark written again), at most once a second: during an outage they
// fail many times a second.
func (o *once) reportBackground(err error) {
	o.mu.Lock()
	now := time.Now()
	quiet := now.Sub(o.lastBackground) < time.Second
	if !quiet {
		o.lastBackground = now
	}
	o.mu.Unlock()
	if !quiet {
		o.report(err)
	}
}
