package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// BenchmarkVerifyDelivery verifies and dispatches a one-event and a 50-event
// delivery through the Handler.
func BenchmarkVerifyDelivery(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(map[int]string{1: "events=1", 50: "events=50"}[n], func(b *testing.B) {
			f := newFixture(b)
			evs := make([]any, n)
			for i := range evs {
				evs[i] = event("ACCOUNT_GROUP.CREATED")
			}
			signed := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", evs...))
			body, _ := io.ReadAll(signed.Body)
			handled := 0
			h := webhook.NewHandler(&webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }},
				webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error { handled++; return nil }))
			b.ReportAllocs()
			for b.Loop() {
				// Re-sign each time (not timed): the verifier refuses a
				// replayed signature.
				b.StopTimer()
				req := must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", body))
				req.Body = io.NopCloser(bytes.NewReader(body))
				rec := httptest.NewRecorder()
				b.StartTimer()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
			if handled == 0 {
				b.Fatal("nothing handled")
			}
		})
	}
}

// BenchmarkHostileSignatureInput verifies an unsigned 1 MiB delivery whose
// signature-input has 1, 16 (MaxSignatureMembers), 120 or 3,000 members
// naming the webhook key: what one attacker's request costs the receiver.
func BenchmarkHostileSignatureInput(b *testing.B) {
	f := newFixture(b)
	v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }}
	for _, n := range []int{1, 16, 120, 3000} {
		h, body := hostileDelivery(b, f, webhook.DefaultMaxBodyBytes-1<<10, n)
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyParts(context.Background(), http.MethodPost, "https://hooks.example/upvest", h, body); err == nil {
					b.Fatal("a delivery without a valid signature was accepted")
				}
			}
		})
	}
}
