package webhook

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names this package's tracer and meter.
const instrumentationName = "github.com/upvest-go/upvest/webhook"

// WithTracerProvider traces every delivery with a server span
// ("upvest.webhook.delivery": method, status, event count and types,
// outcome); the key lookups and event callbacks run under it. Without it
// nothing is traced (the global provider is not used). Neither signatures
// nor bodies are ever attributes.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(h *Handler) {
		if tp != nil {
			h.tel.tracer = tp.Tracer(instrumentationName)
		}
	}
}

// WithMeterProvider counts upvest.webhook.deliveries by outcome
// (acknowledged, refused, failed) and upvest.webhook.refusals by reason.
// Without it nothing is recorded.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(h *Handler) {
		if mp == nil {
			return
		}
		m := mp.Meter(instrumentationName)
		// Instruments that cannot be made leave that count off.
		h.tel.deliveries, _ = m.Int64Counter("upvest.webhook.deliveries", metric.WithDescription("Webhook deliveries received, by outcome."))
		h.tel.refusals, _ = m.Int64Counter("upvest.webhook.refusals", metric.WithDescription("Webhook deliveries not answered 200, by reason."))
	}
}

// telemetry is the handler's instrumentation; its zero value records
// nothing.
type telemetry struct {
	tracer     trace.Tracer
	deliveries metric.Int64Counter
	refusals   metric.Int64Counter
}

func (t *telemetry) start(r *http.Request) (*http.Request, trace.Span) {
	if t.tracer == nil {
		return r, nil
	}
	ctx, span := t.tracer.Start(r.Context(), "upvest.webhook.delivery", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method)))
	return r.WithContext(ctx), span
}

// events records the delivery's event count and types on its span.
func (t *telemetry) events(span trace.Span, events []RawEvent) {
	if span == nil {
		return
	}
	types := make([]string, len(events))
	for i, ev := range events {
		types[i] = ev.Type
	}
	span.SetAttributes(attribute.Int("upvest.webhook.event_count", len(events)), attribute.StringSlice("upvest.webhook.event_types", types))
}

// end records the delivery's outcome: status 200, or the refusal's err.
func (t *telemetry) end(ctx context.Context, span trace.Span, status int, err error) {
	outcome, reason := "acknowledged", ""
	if err != nil {
		reason = refusalReason(err)
		outcome = "refused"
		if status >= 500 {
			outcome = "failed"
		}
	}
	if span != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", status), attribute.String("upvest.webhook.outcome", outcome))
		if reason != "" {
			span.SetAttributes(attribute.String("error.type", reason))
			span.SetStatus(codes.Error, reason)
		}
		span.End()
	}
	ctx = context.WithoutCancel(ctx)
	if t.deliveries != nil {
		t.deliveries.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
	if t.refusals != nil && reason != "" {
		t.refusals.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
	}
}

// refusalReason names why a delivery was not answered 200, from the
// package's sentinels.
func refusalReason(err error) string {
	for _, r := range []struct {
		err    error
		reason string
	}{
		{ErrMethod, "method"}, {ErrTooLarge, "too_large"}, {ErrMalformedBody, "malformed_body"},
		{ErrCallback, "callback"}, {ErrStore, "store"}, {ErrBusy, "busy"}, {ErrReplay, "replay"},
		{ErrUnsigned, "unsigned"}, {ErrMalformedSignature, "malformed_signature"}, {ErrUnknownKey, "unknown_key"},
		{ErrNotCovered, "not_covered"}, {ErrMissingComponent, "missing_component"}, {ErrBadSignature, "bad_signature"},
		{ErrDigest, "digest"}, {ErrDigestMissing, "digest_missing"}, {ErrExpired, "expired"}, {ErrFuture, "future"},
		{ErrTooOld, "too_old"}, {ErrNoTimestamps, "no_timestamps"}, {ErrUnsupportedKey, "unsupported_key"},
	} {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "other"
}
