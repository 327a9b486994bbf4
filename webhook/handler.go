package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

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
// The claim is renewed under its token every quarter of the lease while
// the callback runs and while its done mark waits to be written (with a
// store that is a Renewer: MemoryStore, webhook/redisstore), and a done
// mark the store did not take is written again every 100 ms (an eighth of
// the lease when that is shorter). What that promises: exactly once while
// store outages (or a replica's partition from the store) are shorter than
// three quarters of the lease less that retry interval, and no replica
// crashes between a callback's success and its done mark; with a store
// that cannot renew, while outages end before the lease counted from the
// claim. At least once beyond that. Keep callbacks idempotent.
//
// Build it with NewHandler; it is safe for concurrent use.
type Handler struct {
	verifier  *Verifier
	onGroup   func(context.Context, AccountGroupEvent) error
	onUnknown func(context.Context, RawEvent) error
	onRefusal func(*http.Request, error)
	once      *once
	tel       telemetry
	logger    *slog.Logger
	problems  []string // found by NewHandler and the options
}

// NewHandler returns a Handler verifying with v. A configuration that
// cannot work is refused here, not on every delivery: NewHandler panics
// with an error matching ErrConfig that names every problem (a nil
// Verifier or one without Keys, a nil option, an option's value out of
// range), as net/http's ServeMux does for a bad pattern.
func NewHandler(v *Verifier, opts ...Option) *Handler {
	h := &Handler{verifier: v, once: &once{store: NewMemoryStore(DefaultDedupe), lease: DefaultLease,
		doneTTL: DefaultDoneTTL, busyWait: DefaultBusyWait, pending: map[string]*hold{}}}
	switch {
	case v == nil:
		h.problem("nil *Verifier")
	case v.Keys == nil:
		h.problem("Verifier.Keys is nil")
	}
	for i, opt := range opts {
		if opt == nil {
			h.problem(fmt.Sprintf("option %d is nil", i))
			continue
		}
		opt(h)
	}
	h.once.logger = h.logger
	if len(h.problems) > 0 {
		panic(fmt.Errorf("%w: NewHandler: %s", ErrConfig, strings.Join(h.problems, "; ")))
	}
	return h
}

// problem records why the Handler being built cannot work.
func (h *Handler) problem(why string) { h.problems = append(h.problems, why) }

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
	if err := h.once.flush(ctx); err != nil {
		h.once.reportBackground(err)
	}
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
		callHook(h.logger, "OnRefusal", func() { h.onRefusal(r, err) })
	}
	status := http.StatusUnauthorized
	switch {
	case errors.Is(err, ErrMethod):
		status = http.StatusMethodNotAllowed
	case errors.Is(err, ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformedBody):
		status = http.StatusBadRequest
	case errors.Is(err, ErrCallback), errors.Is(err, ErrConfig):
		status = http.StatusInternalServerError
	case errors.Is(err, ErrStore), errors.Is(err, ErrBusy):
		status = http.StatusServiceUnavailable
	}
	http.Error(w, http.StatusText(status), status)
	h.tel.end(r.Context(), span, status, err)
}
