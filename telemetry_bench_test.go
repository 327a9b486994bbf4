package upvest_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/upvest-go/upvest"
)

// BenchmarkTelemetry measures what OpenTelemetry costs a signed GET
// (Ed25519, the cheapest signature, so the overhead shows most): off (no
// providers) and on (the SDK recording every span, batched to a no-op
// exporter as a production setup batches, and every metric, read by a
// manual reader).
func BenchmarkTelemetry(b *testing.B) {
	key := benchKeys()[1]
	for _, on := range []bool{false, true} {
		name := "telemetry=off"
		if on {
			name = "telemetry=on"
		}
		b.Run(name, func(b *testing.B) {
			srv, _ := benchServer(b)
			opts := []upvest.Option{}
			if on {
				tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				opts = append(opts, upvest.WithTracerProvider(tp), upvest.WithMeterProvider(mp))
			}
			c, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "key-1", PrivateKeyPEM: key.pem}, opts...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.GetAccountGroup(ctx, theGroup); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.GetAccountGroup(ctx, theGroup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
