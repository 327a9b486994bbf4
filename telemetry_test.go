package upvest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest"
)

func attr(attrs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, a := range attrs {
		if string(a.Key) == key {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

// TestTelemetryOfARetriedCreate: a create whose first two attempts get 503
// yields one call span with three attempt spans (resend counts 0, 1, 2), a
// token span under the first attempt, the retry metric at 2 and the
// duration histogram; no secret in any attribute; no traceparent without a
// propagator.
func TestTelemetryOfARetriedCreate(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var traceparents atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" {
			traceparents.Add(1)
		}
		if n.Add(1) <= 2 {
			writeProblem(w, 503, "service_unavailable")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	c := f.client(t, upvest.WithTracerProvider(tp), upvest.WithMeterProvider(mp))
	if _, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal); err != nil {
		t.Fatal(err)
	}
	var call sdktrace.ReadOnlySpan
	var attempts, tokens []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch {
		case s.Name() == "createAccountGroup":
			call = s
		case s.Name() == "POST /account_groups":
			attempts = append(attempts, s)
		case strings.Contains(s.Name(), "token"):
			tokens = append(tokens, s)
		}
	}
	if call == nil || len(attempts) != 3 || len(tokens) != 1 {
		t.Fatalf("spans: call %v, %d attempts, %d token spans", call != nil, len(attempts), len(tokens))
	}
	for i, a := range attempts {
		if a.Parent().SpanID() != call.SpanContext().SpanID() || a.SpanKind() != trace.SpanKindClient {
			t.Fatalf("attempt %d is not a client span under the call span", i)
		}
		resend, ok := attr(a.Attributes(), "http.request.resend_count")
		if (i == 0 && ok) || (i > 0 && resend.AsInt64() != int64(i)) {
			t.Fatalf("attempt %d: resend count %v (set %v)", i, resend.AsInt64(), ok)
		}
		method, _ := attr(a.Attributes(), "http.request.method")
		tmpl, _ := attr(a.Attributes(), "url.template")
		status, _ := attr(a.Attributes(), "http.response.status_code")
		host, _ := attr(a.Attributes(), "server.address")
		want := int64(503)
		if i == 2 {
			want = 200
		}
		if method.AsString() != "POST" || tmpl.AsString() != "/account_groups" || status.AsInt64() != want || host.AsString() != "127.0.0.1" {
			t.Fatalf("attempt %d attributes %v", i, a.Attributes())
		}
		rid, _ := attr(a.Attributes(), "upvest.request_id")
		if rid.AsString() != requestID {
			t.Fatalf("attempt %d: request id %q", i, rid.AsString())
		}
		if errType, ok := attr(a.Attributes(), "error.type"); (i < 2) != (ok && errType.AsString() == "503") {
			t.Fatalf("attempt %d: error.type %v", i, errType.AsString())
		}
	}
	if tokens[0].Parent().SpanID() != attempts[0].SpanContext().SpanID() {
		t.Fatal("the token span is not a child of the attempt that started the fetch")
	}
	for _, s := range spans.Ended() {
		for _, a := range s.Attributes() {
			if v := a.Value.String(); strings.Contains(v, fakeSecret) || strings.Contains(v, fakeToken) || strings.Contains(v, "sig1=") {
				t.Fatalf("span %s attribute %s holds a secret", s.Name(), a.Key)
			}
		}
	}
	if traceparents.Load() != 0 {
		t.Fatal("a traceparent was sent without a propagator")
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	metrics := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			metrics[m.Name] = m.Data
		}
	}
	retries, ok := metrics["upvest.client.retries"].(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("no upvest.client.retries in %v", keys(metrics))
	}
	var total int64
	for _, dp := range retries.DataPoints {
		total += dp.Value
	}
	if total != 2 {
		t.Fatalf("retries %d, want 2", total)
	}
	dur, ok := metrics["http.client.request.duration"].(metricdata.Histogram[float64])
	var count uint64
	for _, dp := range dur.DataPoints {
		count += dp.Count
	}
	if !ok || count != 3 {
		t.Fatalf("http.client.request.duration: %d attempts recorded, want 3", count)
	}
	fetches, ok := metrics["upvest.client.token.fetches"].(metricdata.Sum[int64])
	if !ok || len(fetches.DataPoints) != 1 || fetches.DataPoints[0].Value != 1 {
		t.Fatalf("token fetches %+v", fetches)
	}
	if o, _ := fetches.DataPoints[0].Attributes.Value("outcome"); o.AsString() != "success" {
		t.Fatalf("token fetch outcome %q", o.AsString())
	}
}

// TestTelemetryOffAndPropagation: without providers nothing is recorded
// (the global provider is not used); a propagator set explicitly sends a
// traceparent.
func TestTelemetryOffAndPropagation(t *testing.T) {
	t.Parallel()
	var traceparent atomic.Value
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		traceparent.Store(r.Header.Get("Traceparent"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx, parent := tp.Tracer("caller").Start(context.Background(), "caller")
	if _, err := f.client(t).GetAccountGroup(ctx, theGroup); err != nil {
		t.Fatal(err)
	}
	parent.End()
	if len(spans.Ended()) != 1 || traceparent.Load() != "" {
		t.Fatalf("%d spans, traceparent %q: tracing must be off without WithTracerProvider", len(spans.Ended()), traceparent.Load())
	}
	c := f.client(t, upvest.WithTracerProvider(tp), upvest.WithPropagator(propagation.TraceContext{}))
	ctx, parent = tp.Tracer("caller").Start(context.Background(), "caller")
	if _, err := c.GetAccountGroup(ctx, theGroup); err != nil {
		t.Fatal(err)
	}
	parent.End()
	tpHeader, _ := traceparent.Load().(string)
	if !strings.Contains(tpHeader, parent.SpanContext().TraceID().String()) {
		t.Fatalf("traceparent %q does not carry the caller's trace", tpHeader)
	}
}

func keys(m map[string]metricdata.Aggregation) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
