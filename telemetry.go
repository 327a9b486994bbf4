package upvest

import (
	"context"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names this module's tracer and meter.
const instrumentationName = "github.com/upvest-go/upvest"

// WithTracerProvider traces every call: one span per call, named for the
// operation (createAccountGroup), and one client span per attempt named
// "{method} {url template}" (POST /account_groups) with the OpenTelemetry
// HTTP attributes (http.request.method, url.template, server.address,
// server.port, http.response.status_code, http.request.resend_count on
// retries, error.type) and upvest.request_id; the token fetch gets a span
// under the attempt that started it. No secret, token, signature or body is
// ever an attribute. Without this option nothing is traced (the global
// provider is not used).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider = tp }
}

// WithMeterProvider records http.client.request.duration (seconds, per
// operation and status), upvest.client.retries (by reason) and
// upvest.client.token.fetches (by outcome). Without it nothing is recorded.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.meterProvider = mp }
}

// WithPropagator injects the trace context of each attempt into its
// headers (traceparent for propagation.TraceContext). Without it nothing
// about the caller's traces is sent to Upvest.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(o *options) { o.propagator = p }
}

// telemetry is the pipeline's instrumentation; its zero value records
// nothing and costs a nil check.
type telemetry struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	retries  metric.Int64Counter
	offsets  metric.Int64Counter
	// sets caches the duration's attribute sets by durationKey: a few
	// operations times a few outcomes, built once each.
	sets *sync.Map
}

// durationKey is what distinguishes one duration attribute set.
type durationKey struct {
	op, host, errType string
	status            int
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) (telemetry, error) {
	var t telemetry
	if tp != nil {
		t.tracer = tp.Tracer(instrumentationName, trace.WithInstrumentationVersion(Version))
	}
	if mp != nil {
		m := mp.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
		var err error
		if t.duration, err = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
			metric.WithDescription("Duration of each attempt of a call to Upvest."),
			metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)); err != nil {
			return t, err
		}
		if t.retries, err = m.Int64Counter("upvest.client.retries", metric.WithDescription("Retries of calls to Upvest, by reason.")); err != nil {
			return t, err
		}
		if t.offsets, err = m.Int64Counter("upvest.client.clock_offset.changes",
			metric.WithDescription("Changes of the clock offset learned from Upvest's Date header.")); err != nil {
			return t, err
		}
		t.sets = new(sync.Map)
	}
	return t, nil
}

// startCall starts the call's span, or returns ctx and nil when tracing is
// off.
func (t *telemetry) startCall(ctx context.Context, c *call) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	return t.tracer.Start(ctx, c.op.Op.ID, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("upvest.operation", c.op.Op.ID)))
}

// startAttempt starts an attempt's client span.
func (t *telemetry) startAttempt(ctx context.Context, c *call, n int) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", c.op.Op.Method),
		attribute.String("url.template", c.op.Op.Path),
		attribute.String("server.address", c.url.Hostname()),
	}
	if p := c.url.Port(); p != "" {
		if port, err := strconv.Atoi(p); err == nil {
			attrs = append(attrs, attribute.Int("server.port", port))
		}
	}
	if n > 1 {
		attrs = append(attrs, attribute.Int("http.request.resend_count", n-1))
	}
	return t.tracer.Start(ctx, c.op.Op.Method+" "+c.op.Op.Path, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// endAttempt records an attempt's outcome on its span and in the duration
// histogram.
func (t *telemetry) endAttempt(ctx context.Context, span trace.Span, c *call, ans *answer, err error, began time.Time) {
	if span == nil && t.duration == nil {
		return
	}
	status, errType := 0, ""
	if ans != nil {
		status = ans.status
		if status >= 400 {
			errType = strconv.Itoa(status)
		}
	}
	if err != nil {
		errType = errorKind(err)
	}
	if span != nil {
		if status != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if rid := ans.header.Get("Upvest-Request-Id"); rid != "" {
				span.SetAttributes(attribute.String("upvest.request_id", rid))
			}
		}
		if errType != "" {
			span.SetAttributes(attribute.String("error.type", errType))
			span.SetStatus(codes.Error, errType)
		}
		span.End()
	}
	if t.duration != nil {
		t.duration.Record(ctx, time.Since(began).Seconds(), metric.WithAttributeSet(t.durationSet(c, status, errType)))
	}
}

// durationSet returns the attribute set of an attempt's duration.
func (t *telemetry) durationSet(c *call, status int, errType string) attribute.Set {
	key := durationKey{op: c.op.Op.ID, host: c.url.Hostname(), errType: errType, status: status}
	if set, ok := t.sets.Load(key); ok {
		return set.(attribute.Set)
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", c.op.Op.Method),
		attribute.String("url.template", c.op.Op.Path),
		attribute.String("upvest.operation", c.op.Op.ID),
		attribute.String("server.address", key.host),
	}
	if status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", status),
			attribute.String("upvest.status_class", strconv.Itoa(status/100)+"xx"))
	}
	if errType != "" {
		attrs = append(attrs, attribute.String("error.type", errType))
	}
	set := attribute.NewSet(attrs...)
	t.sets.Store(key, set)
	return set
}

// retried counts a retry and its reason.
func (t *telemetry) retried(ctx context.Context, c *call, reason string) {
	if t.retries != nil {
		t.retries.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason), attribute.String("upvest.operation", c.op.Op.ID)))
	}
}

// endCall ends the call's span with its outcome.
func endCall(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.SetStatus(codes.Error, errorKind(err))
	}
	span.End()
}

// offsetChanged counts a change of the learned clock offset.
func (t *telemetry) offsetChanged() {
	if t.offsets != nil {
		t.offsets.Add(context.Background(), 1)
	}
}
