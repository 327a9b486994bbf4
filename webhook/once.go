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
	// pending holds events handled here whose done mark the store did not
	// take; they count as handled here, and their marks are written by a
	// flusher goroutine (one at most, ending once they are all written)
	// and at the start of each later delivery.
	pending  map[string]struct{}
	flushing bool
}

// pollInterval is how often a delivery asks again about a busy event.
const pollInterval = 20 * time.Millisecond

// run claims id, runs call with a context bounded by the lease, and marks
// id done, or releases it when call fails or panics (the panic goes on).
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
	completed := false
	defer func() {
		if !completed { // a panic: free the event for Upvest's retry
			o.release(id, claim.Token)
		}
	}()
	cctx, cancel := context.WithTimeout(ctx, o.lease)
	err = call(cctx)
	cancel()
	completed = true
	if err != nil {
		o.release(id, claim.Token)
		return errors.Join(ErrCallback, err)
	}
	if err := o.store.Done(context.WithoutCancel(ctx), id, claim.Token, o.doneTTL); err != nil {
		o.report(fmt.Errorf("%w: event %s handled, its done mark kept to write later: %w", ErrStore, id, err))
		o.mu.Lock()
		o.pending[id] = struct{}{}
		if !o.flushing {
			o.flushing = true
			go o.flusher()
		}
		o.mu.Unlock()
	}
	return nil
}

// flusher writes pending done marks with growing waits (100 ms to 5 s)
// until none is left, so they are written soon after the store returns,
// well within the lease, even when no delivery comes.
func (o *once) flusher() {
	wait := 100 * time.Millisecond
	for {
		time.Sleep(wait)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		o.flush(ctx)
		cancel()
		o.mu.Lock()
		if len(o.pending) == 0 {
			o.flushing = false
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
		wait = min(2*wait, 5*time.Second)
	}
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

func (o *once) isPending(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.pending[id]
	return ok
}

// flush writes the done marks the store could not take before.
func (o *once) flush(ctx context.Context) {
	o.mu.Lock()
	if len(o.pending) == 0 {
		o.mu.Unlock()
		return
	}
	ids := make([]string, 0, len(o.pending))
	for id := range o.pending {
		ids = append(ids, id)
	}
	o.mu.Unlock()
	for _, id := range ids {
		if err := o.store.Done(ctx, id, "", o.doneTTL); err != nil {
			o.report(fmt.Errorf("%w: writing the done mark of event %s: %w", ErrStore, id, err))
			return // still down: try again with the next delivery
		}
		o.mu.Lock()
		delete(o.pending, id)
		o.mu.Unlock()
	}
}

func (o *once) report(err error) {
	if o.onError != nil {
		callHook(o.logger, "OnStoreError", func() { o.onError(err) })
	}
}
