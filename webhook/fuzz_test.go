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

// FuzzParseKeySet: any JWKS document either yields at least one usable P-521
// key (every skipped key saying why) or fails with ErrBadKeySet; never a
// panic. Seeds live in testdata/fuzz/FuzzParseKeySet.
func FuzzParseKeySet(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		set, err := webhook.ParseKeySet(doc)
		if err != nil {
			if !errors.Is(err, webhook.ErrBadKeySet) || set != nil {
				t.Fatalf("untyped error or a set with it: %v", err)
			}
			return
		}
		if len(set.Keys) == 0 {
			t.Fatal("a set without keys and no error")
		}
		for kid, k := range set.Keys {
			if kid == "" || k.Curve.Params().Name != "P-521" || !k.Curve.IsOnCurve(k.X, k.Y) {
				t.Fatalf("unusable key %q accepted", kid)
			}
		}
		for _, s := range set.Skipped {
			if s.Reason == "" || !errors.Is(s, webhook.ErrBadKeySet) {
				t.Fatalf("skipped without a reason: %+v", s)
			}
		}
	})
}
