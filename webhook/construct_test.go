package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// panicOf runs build and returns what it panicked with, nil if it did not.
func panicOf(build func()) (p any) {
	defer func() { p = recover() }()
	build()
	return nil
}

// A Handler that could not work is refused when it is built, with a panic
// naming what is wrong (as net/http's ServeMux does for a bad pattern), not
// on every delivery: a nil or keyless verifier, a nil store, a lease that
// is not positive (its callbacks' contexts would end at once and its Redis
// claims never expire), a done mark's TTL that is not positive, a negative
// busy wait, a nil option.
func TestNewHandlerRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := &webhook.Verifier{Keys: f.keys}
	for _, tc := range []struct {
		name string
		v    *webhook.Verifier
		opts []webhook.Option
		want string // in the panic's message; empty: no panic
	}{
		{"valid", v, []webhook.Option{webhook.WithLease(time.Second), webhook.WithBusyWait(0), webhook.WithDedupe(0)}, ""},
		{"nil verifier", nil, nil, "nil *Verifier"},
		{"verifier without keys", &webhook.Verifier{}, nil, "Verifier.Keys is nil"},
		{"nil store", v, []webhook.Option{webhook.WithEventStore(nil)}, "WithEventStore(nil)"},
		{"zero lease", v, []webhook.Option{webhook.WithLease(0)}, "WithLease(0s)"},
		{"negative lease", v, []webhook.Option{webhook.WithLease(-time.Millisecond)}, "WithLease(-1ms)"},
		{"zero done TTL", v, []webhook.Option{webhook.WithDoneTTL(0)}, "WithDoneTTL(0s)"},
		{"negative busy wait", v, []webhook.Option{webhook.WithBusyWait(-time.Second)}, "WithBusyWait(-1s)"},
		{"nil option", v, []webhook.Option{nil}, "option 0 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := panicOf(func() { webhook.NewHandler(tc.v, tc.opts...) })
			if tc.want == "" {
				if p != nil {
					t.Fatalf("panicked: %v", p)
				}
				return
			}
			err, ok := p.(error)
			if !ok || !errors.Is(err, webhook.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewHandler panicked with %v, want an error matching ErrConfig naming %q", p, tc.want)
			}
		})
	}
}

// A nil *Verifier, or one without Keys, used on its own refuses every
// delivery with an error (ErrConfig), not a panic.
func TestNilVerifierRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for name, v := range map[string]*webhook.Verifier{"nil": nil, "no keys": {}} {
		req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
		body, _ := ioReadAll(req)
		req.Body = ioNop(string(body))
		var errVerify, errParts error
		p := panicOf(func() {
			_, _, errVerify = v.Verify(req)
			_, errParts = v.VerifyParts(context.Background(), http.MethodPost, "https://hooks.example/upvest", req.Header, body)
		})
		if p != nil || !errors.Is(errVerify, webhook.ErrConfig) || !errors.Is(errParts, webhook.ErrConfig) {
			t.Errorf("%s verifier: panic %v, errors %v and %v; want ErrConfig", name, p, errVerify, errParts)
		}
	}
}
