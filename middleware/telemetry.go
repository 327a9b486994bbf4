package middleware

import (
	"context"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names this package's tracer and meter.
const instrumentationName = "github.com/upvest-go/upvest/middleware"

// Telemetry turns on OpenTelemetry for Tokens: a span per token fetch (under
// the span of the call that started it) and the counter
// upvest.client.token.fetches by outcome (success, failure, abandoned).
// Its zero value records nothing; the global providers are never used. Set
// it before first use.
type Telemetry struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider

	once    sync.Once
	tracer  trace.Tracer
	fetches metric.Int64Counter
}

func (t *Telemetry) init() {
	t.once.Do(func() {
		if t.TracerProvider != nil {
			t.tracer = t.TracerProvider.Tracer(instrumentationName)
		}
		if t.MeterProvider != nil {
			// An instrument that cannot be made leaves counting off.
			t.fetches, _ = t.MeterProvider.Meter(instrumentationName).Int64Counter("upvest.client.token.fetches",
				metric.WithDescription("Token fetches from Upvest's token endpoint, by outcome."))
		}
	})
}

// startFetch starts the span of a token fetch under parent, the span
// context of the call that started it.
func (t *Telemetry) startFetch(ctx context.Context, parent trace.SpanContext, scopes []string) (context.Context, trace.Span) {
	t.init()
	if t.tracer == nil {
		return ctx, nil
	}
	return t.tracer.Start(trace.ContextWithSpanContext(ctx, parent), "upvest.token.fetch",
		trace.WithAttributes(attribute.String("upvest.token.scopes", strings.Join(scopes, " "))))
}

// endFetch records a fetch's outcome: "success", "failure" or "abandoned".
func (t *Telemetry) endFetch(ctx context.Context, span trace.Span, outcome string, err *TokenError) {
	if span != nil {
		span.SetAttributes(attribute.String("upvest.token.outcome", outcome))
		if err != nil {
			if err.StatusCode != 0 {
				span.SetAttributes(attribute.Int("http.response.status_code", err.StatusCode))
			}
			span.SetStatus(codes.Error, outcome)
		}
		span.End()
	}
	if t.fetches != nil {
		t.fetches.Add(context.WithoutCancel(ctx), 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
}
