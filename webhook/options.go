package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

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
// is called on the request's goroutine; a panic in it is recovered and
// logged (see WithLogger), and the delivery answered all the same.
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
// processes sharing store (see EventStore and webhook/redisstore). A nil
// store is refused by NewHandler (WithDedupe(0) turns deduplication off).
func WithEventStore(store EventStore) Option {
	return checked(store != nil, "WithEventStore(nil): give a store, or WithDedupe(0) to turn deduplication off",
		func(h *Handler) { h.once.store = store })
}

// WithLease sets how long a claim on an event lasts (DefaultLease): the
// callback's context ends one lease after the claim; the claim is renewed
// every quarter of it until the done mark is written, and another replica
// may claim the event once a lease passes without renewal (see Handler). d
// must be positive (NewHandler refuses others).
func WithLease(d time.Duration) Option {
	return checked(d > 0, fmt.Sprintf("WithLease(%s): a lease must be positive", d), func(h *Handler) { h.once.lease = d })
}

// WithDoneTTL sets how long a handled event is remembered (DefaultDoneTTL).
// d must be positive (NewHandler refuses others).
func WithDoneTTL(d time.Duration) Option {
	return checked(d > 0, fmt.Sprintf("WithDoneTTL(%s): a done mark's TTL must be positive", d), func(h *Handler) { h.once.doneTTL = d })
}

// WithBusyWait sets how long a delivery waits for an event another holder
// is handling before it is answered 503 (DefaultBusyWait); zero answers
// 503 at once. d must not be negative (NewHandler refuses it).
func WithBusyWait(d time.Duration) Option {
	return checked(d >= 0, fmt.Sprintf("WithBusyWait(%s): a wait cannot be negative", d), func(h *Handler) { h.once.busyWait = d })
}

// checked is an Option that applies set when valid, and otherwise records
// why not, for NewHandler to refuse the Handler.
func checked(valid bool, why string, set func(*Handler)) Option {
	return func(h *Handler) {
		if !valid {
			h.problem(why)
			return
		}
		set(h)
	}
}

// OnStoreError is told about every failure of the event store (wrapping
// ErrStore): claims that failed the delivery with 503, done marks kept to
// be written later, renewals and releases that failed. It may be called on
// the request's goroutine or a background one, concurrently; a panic in it
// is recovered and logged (see WithLogger).
func OnStoreError(fn func(error)) Option { return func(h *Handler) { h.once.onError = fn } }

// WithLogger sets where the Handler logs what it can report nowhere else: a
// hook (OnRefusal, OnStoreError) that panicked, at error level, with the
// panic's value and stack. nil (the default) means slog.Default().
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.logger = l } }
