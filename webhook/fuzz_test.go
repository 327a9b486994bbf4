package webhook_test

import (
	"errors"
	"testing"

	"github.com/upvest-go/upvest/webhook"
)

// FuzzDecodeEvents: any body either decodes into complete events or is
// ErrMalformedBody; never a panic. Seeds live in testdata/fuzz/FuzzDecodeEvents.
func FuzzDecodeEvents(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := webhook.DecodeEvents(body)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformedBody) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for _, ev := range events {
			if ev.Type == "" || ev.CreatedAt.IsZero() || len(ev.Object) == 0 {
				t.Fatalf("incomplete event accepted: %+v", ev)
			}
			_, _, _ = ev.AccountGroup()
		}
	})
}
