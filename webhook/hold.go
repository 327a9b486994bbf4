package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// hold is this replica's claim on one event, from the claim until its done
// mark is written or it is released: while it is held, a timer renews it
// under its token every renewEvery (when the store is a Renewer), so that
// it outlives a store outage shorter than the lease less that interval.
type hold struct {
	o         *once
	id, token string
	lost      func() // called once when a renewal finds the claim gone: ends the callback's context

	mu      sync.Mutex // serialises renewals with the done mark and stop
	stopped bool       // no renewal any more: done, released or lost
	written bool       // the done mark is written
	timer   *time.Timer
}

// hold starts renewing the claim token holds on id; lost is called if a
// renewal finds the claim gone.
func (o *once) hold(id, token string, lost func()) *hold {
	h := &hold{o: o, id: id, token: token, lost: lost}
	if _, ok := o.store.(Renewer); ok {
		h.mu.Lock() // the timer's first run reads h.timer
		h.timer = time.AfterFunc(o.renewEvery(), h.renew)
		h.mu.Unlock()
	}
	return h
}

// renew runs on the timer's goroutine: it renews the claim and arms the
// timer again, unless the hold stopped or the claim is gone. It reports
// outside the lock: the done mark does not wait for OnStoreError.
func (h *hold) renew() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.o.renewEvery())
	held, err := h.o.store.(Renewer).Renew(ctx, h.id, h.token, h.o.lease)
	cancel()
	if err == nil && !held {
		h.stopped = true
	} else {
		h.timer.Reset(h.o.renewEvery())
	}
	h.mu.Unlock()
	switch {
	case err != nil:
		h.o.reportBackground(fmt.Errorf("%w: renewing the claim on event %s: %w", ErrStore, h.id, err))
	case !held:
		h.o.report(fmt.Errorf("%w: event %s: its claim ran out before its done mark was written (another replica may handle it)", ErrStore, h.id))
		h.lost()
	}
}

// stop ends the renewals (the claim is being released).
func (h *hold) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopLocked()
}

func (h *hold) stopLocked() {
	h.stopped = true
	if h.timer != nil {
		h.timer.Stop()
	}
}

// done writes the event's done mark (once) and then ends the renewals.
func (h *hold) done(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.written {
		return nil
	}
	if err := h.o.store.Done(ctx, h.id, h.token, h.o.doneTTL); err != nil {
		return err
	}
	h.written = true
	h.stopLocked()
	return nil
}

// addPending keeps h, whose done mark the store did not take, to write
// later, and starts the flusher if none runs.
func (o *once) addPending(h *hold) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending[h.id] = h
	if !o.flushing {
		o.flushing = true
		go o.flusher()
	}
}

func (o *once) isPending(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.pending[id]
	return ok
}

// flusher writes the pending done marks every retryEvery until none is
// left, so they are written as soon as the store returns, while their
// renewed claims still stand, even when no delivery comes.
func (o *once) flusher() {
	for {
		time.Sleep(o.retryEvery())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := o.flush(ctx)
		cancel()
		if err != nil {
			o.reportBackground(err)
		}
		o.mu.Lock()
		if len(o.pending) == 0 {
			o.flushing = false
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
	}
}

// flush writes the done marks the store could not take before; it stops
// at the first failure, which it returns.
func (o *once) flush(ctx context.Context) error {
	o.mu.Lock()
	if len(o.pending) == 0 {
		o.mu.Unlock()
		return nil
	}
	holds := make([]*hold, 0, len(o.pending))
	for _, h := range o.pending {
		holds = append(holds, h)
	}
	o.mu.Unlock()
	for _, h := range holds {
		if err := h.done(ctx); err != nil {
			return fmt.Errorf("%w: writing the done mark of event %s: %w", ErrStore, h.id, err)
		}
		o.mu.Lock()
		delete(o.pending, h.id)
		o.mu.Unlock()
	}
	return nil
}
