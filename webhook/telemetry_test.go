package webhook_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest/webhook"
)

// TestHandlerTelemetry: a delivery gets a server span with its event count
// and types, the JWKS fetch it caused a span under it; deliveries and
// refusals are counted by outcome and reason.
func TestHandlerTelemetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	keys := &webhook.RemoteKeys{Fetch: func(context.Context) ([]byte, error) { return jwks(f.kid, &f.key.PublicKey), nil }, TracerProvider: tp}
	h := f.handler(keys, webhook.WithTracerProvider(tp), webhook.WithMeterProvider(mp))
	req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"), event("ACCOUNT_GROUP.ACTIVATED")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	bad := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
	bad.Header.Set("Signature", "sig1=:AAAA:")
	h.ServeHTTP(httptest.NewRecorder(), bad)

	var delivery, fetch []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch s.Name() {
		case "upvest.webhook.delivery":
			delivery = append(delivery, s)
		case "upvest.webhook.jwks.fetch":
			fetch = append(fetch, s)
		}
	}
	if len(delivery) != 2 || len(fetch) != 1 {
		t.Fatalf("%d delivery spans, %d fetch spans", len(delivery), len(fetch))
	}
	d := delivery[0]
	if d.SpanKind() != trace.SpanKindServer || fetch[0].Parent().SpanID() != d.SpanContext().SpanID() {
		t.Fatal("want a server span for the delivery and the JWKS fetch under it")
	}
	got := attribute.NewSet(d.Attributes()...)
	count, _ := got.Value("upvest.webhook.event_count")
	types, _ := got.Value("upvest.webhook.event_types")
	if count.AsInt64() != 2 || len(types.AsStringSlice()) != 2 || types.AsStringSlice()[1] != "ACCOUNT_GROUP.ACTIVATED" {
		t.Fatalf("delivery span attributes %v", d.Attributes())
	}
	refusedAttrs := attribute.NewSet(delivery[1].Attributes()...)
	if reason, _ := refusedAttrs.Value("error.type"); reason.AsString() != "bad_signature" && reason.AsString() != "malformed_signature" {
		t.Fatalf("refused delivery's error.type %q", reason.AsString())
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	sums := map[string]map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			s, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			sums[m.Name] = map[string]int64{}
			for _, dp := range s.DataPoints {
				for _, kv := range dp.Attributes.ToSlice() {
					sums[m.Name][kv.Value.AsString()] += dp.Value
				}
			}
		}
	}
	if sums["upvest.webhook.deliveries"]["acknowledged"] != 1 || sums["upvest.webhook.deliveries"]["refused"] != 1 {
		t.Fatalf("deliveries %v", sums["upvest.webhook.deliveries"])
	}
	r := sums["upvest.webhook.refusals"]
	if r["bad_signature"]+r["malformed_signature"] != 1 {
		t.Fatalf("refusals %v", r)
	}
}
