package webhook

import (
	"container/list"
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/google/uuid"
)

// Handler serves webhook deliveries: it verifies each, decodes its events
// and calls the callbacks in order, one event at a time. It answers 200 only
// when every event was handled (or deduplicated, or unknown with no fallback
// set), 401 when the signature is refused, 400 for a malformed body, 413 for
// an oversized one, 405 for a method other than POST, and 500 when a
// callback fails or panics (see PanicError), so that Upvest retries the
// delivery; a delivery not answered 200 is forgotten by the Verifier, so the
// retry verifies.
//
// Deliveries can repeat (retries, at-least-once delivery): make callbacks
// idempotent on the event id, or use WithDedupe, which skips events already
// handled successfully by this process.
//
// Build it with NewHandler; it is safe for concurrent use.
type Handler struct {
	verifier  *Verifier
	onGroup   func(context.Context, AccountGroupEvent) error
	onUnknown func(context.Context, RawEvent) error
	onRefusal func(*http.Request, error)
	dedupe    *dedupe
}

// Option configures a Handler.
type Option func(*Handler)

// OnAccountGroupEvent sets the callback for ACCOUNT_GROUP.* events.
func OnAccountGroupEvent(fn func(context.Context, AccountGroupEvent) error) Option {
	return func(h *Handler) { h.onGroup = fn }
}

// OnUnknownEvent sets the callback for every other event type, including
// account-group types newer than this package. Without it such events are
// acknowledged and dropped: never fail a delivery for an event you do not
// know, or Upvest blocks all later ones.
func OnUnknownEvent(fn func(context.Context, RawEvent) error) Option {
	return func(h *Handler) { h.onUnknown = fn }
}

// OnRefusal is told about every delivery not answered 200, with the reason
// (an error matching a sentinel of this package; ErrCallback for a callback
// that failed or panicked, with a *PanicError for a panic), for logging. It
// is called on the request's goroutine.
func OnRefusal(fn func(*http.Request, error)) Option {
	return func(h *Handler) { h.onRefusal = fn }
}

// WithDedupe remembers the ids of the last n events handled successfully and
// skips them when they are delivered again. It is per process and in
// memory: with several replicas, dedupe in your store instead.
func WithDedupe(n int) Option {
	return func(h *Handler) { h.dedupe = &dedupe{max: n, index: map[uuid.UUID]*list.Element{}, order: list.New()} }
}

// NewHandler returns a Handler verifying with v.
func NewHandler(v *Verifier, opts ...Option) *Handler {
	h := &Handler{verifier: v}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

// ErrCallback wraps a callback's failure.
var ErrCallback = errors.New("webhook: event handler failed")

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, release, err := h.verifier.Verify(r)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	handled := false
	defer func() {
		if !handled {
			release() // also when http.ErrAbortHandler passes through
		}
	}()
	events, err := DecodeEvents(body)
	if err == nil {
		err = h.dispatch(r.Context(), events)
	}
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	handled = true
	w.WriteHeader(http.StatusOK)
}

// dispatch hands events to the callbacks in order; a callback's panic is
// returned as a *PanicError, except http.ErrAbortHandler, which goes on.
func (h *Handler) dispatch(ctx context.Context, events []RawEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = errors.Join(ErrCallback, &PanicError{Value: p, Stack: debug.Stack()})
		}
	}()
	return h.dispatchEvents(ctx, events)
}

func (h *Handler) dispatchEvents(ctx context.Context, events []RawEvent) error {
	for _, ev := range events {
		if h.dedupe.seen(ev.ID) {
			continue
		}
		var err error
		g, isGroup, derr := ev.AccountGroup()
		switch {
		case derr != nil:
			return derr
		case isGroup && h.onGroup != nil:
			err = h.onGroup(ctx, g)
		case !isGroup && h.onUnknown != nil:
			err = h.onUnknown(ctx, ev)
		}
		if err != nil {
			return errors.Join(ErrCallback, err)
		}
		h.dedupe.add(ev.ID)
	}
	return nil
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if h.onRefusal != nil {
		h.onRefusal(r, err)
	}
	status := http.StatusUnauthorized
	switch {
	case errors.Is(err, ErrMethod):
		status = http.StatusMethodNotAllowed
	case errors.Is(err, ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformedBody):
		status = http.StatusBadRequest
	case errors.Is(err, ErrCallback):
		status = http.StatusInternalServerError
	}
	http.Error(w, http.StatusText(status), status)
}

// dedupe is a bounded set of handled event ids; nil does nothing.
type dedupe struct {
	mu    sync.Mutex
	max   int
	index map[uuid.UUID]*list.Element
	order *list.List
}

func (d *dedupe) seen(id uuid.UUID) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.index[id]
	return ok
}

func (d *dedupe) add(id uuid.UUID) {
	if d == nil || d.max <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.index[id]; ok {
		return
	}
	d.index[id] = d.order.PushBack(id)
	for d.order.Len() > d.max {
		oldest := d.order.Front()
		d.order.Remove(oldest)
		delete(d.index, oldest.Value.(uuid.UUID))
	}
}
