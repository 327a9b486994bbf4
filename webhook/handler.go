package webhook

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"
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
// Deliveries repeat (retries, at-least-once delivery, a replay sent to
// another replica): each event's callback runs once through an EventStore
// (see it for the claim, lease and done-mark rules). By default the store
// is a MemoryStore of DefaultDedupe events, which covers one process,
// concurrent duplicates included; with several replicas, share one store
// (webhook/redisstore) with WithEventStore. A duplicate that meets an event
// still being handled elsewhere waits up to the busy wait for its outcome,
// then is answered 503 so Upvest retries: never 200 before the event is
// handled. When the store cannot be reached the delivery is answered 503
// (fail closed) and OnStoreError hears of it.
//
// What that promises: exactly once while store outages are shorter than
// the lease and no replica crashes between a callback's success and its
// done mark; at least once beyond that. Keep callbacks idempotent.
//
// Build it with NewHandler; it is safe for concurrent use.
type Handler struct {
	verifier  *Verifier
	onGroup   func(context.Context, AccountGroupEvent) error
	onUnknown func(context.Context, RawEvent) error
	onRefusal func(*http.Request, error)
	once      *once
	tel       telemetry
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

// WithDedupe sets the default in-memory store's size: it remembers the
// last n events handled (DefaultDedupe without this option). It is per
// process: with several replicas, use WithEventStore. n ≤ 0 turns
// deduplication off: every delivered event reaches the callbacks.
func WithDedupe(n int) Option {
	return func(h *Handler) {
		h.once.store = nil
		if n > 0 {
			h.once.store = NewMemoryStore(n)
		}
	}
}

// WithEventStore makes every event's callback run once across the
// processes sharing store (see EventStore and webhook/redisstore).
func WithEventStore(store EventStore) Option { return func(h *Handler) { h.once.store = store } }

// WithLease sets how long a claim on an event lasts (DefaultLease): the
// callback's context ends with it, and another replica may claim the event
// after it.
func WithLease(d time.Duration) Option { return func(h *Handler) { h.once.lease = d } }

// WithDoneTTL sets how long a handled event is remembered (DefaultDoneTTL).
func WithDoneTTL(d time.Duration) Option { return func(h *Handler) { h.once.doneTTL = d } }

// WithBusyWait sets how long a delivery waits for an event another holder
// is handling before it is answered 503 (DefaultBusyWait).
func WithBusyWait(d time.Duration) Option { return func(h *Handler) { h.once.busyWait = d } }

// OnStoreError is told about every failure of the event store (wrapping
// ErrStore): claims that failed the delivery with 503, done marks kept to
// be written later, releases that failed. It may be called on the
// request's goroutine, concurrently.
func OnStoreError(fn func(error)) Option { return func(h *Handler) { h.once.onError = fn } }

// NewHandler returns a Handler verifying with v.
func NewHandler(v *Verifier, opts ...Option) *Handler {
	h := &Handler{verifier: v, once: &once{store: NewMemoryStore(DefaultDedupe), lease: DefaultLease,
		doneTTL: DefaultDoneTTL, busyWait: DefaultBusyWait, pending: map[string]struct{}{}}}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

// ErrCallback wraps a callback's failure.
var ErrCallback = errors.New("webhook: event handler failed")

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, span := h.tel.start(r)
	body, release, err := h.verifier.Verify(r)
	if err != nil {
		h.refuse(w, r, span, err)
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
		h.tel.events(span, events)
		err = h.dispatch(r.Context(), events)
	}
	if err != nil {
		h.refuse(w, r, span, err)
		return
	}
	handled = true
	w.WriteHeader(http.StatusOK)
	h.tel.end(r.Context(), span, http.StatusOK, nil)
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
	h.once.flush(ctx)
	for _, ev := range events {
		g, isGroup, err := ev.AccountGroup()
		if err != nil {
			return err
		}
		var call func(context.Context) error
		switch {
		case isGroup && h.onGroup != nil:
			call = func(ctx context.Context) error { return h.onGroup(ctx, g) }
		case !isGroup && h.onUnknown != nil:
			call = func(ctx context.Context) error { return h.onUnknown(ctx, ev) }
		default:
			continue // acknowledged and dropped: nothing to run
		}
		if err := h.once.run(ctx, ev.ID.String(), call); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, span trace.Span, err error) {
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
	case errors.Is(err, ErrStore), errors.Is(err, ErrBusy):
		status = http.StatusServiceUnavailable
	}
	http.Error(w, http.StatusText(status), status)
	h.tel.end(r.Context(), span, status, err)
}
