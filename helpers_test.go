package upvest_test

import (
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// fastRetries keeps retry waits short in tests.
var fastRetries = upvest.WithRetryPolicy(upvest.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})

// newSandbox starts a sandbox on loopback and a client for it.
func newSandbox(t testing.TB, cfg sandbox.Config, opts ...upvest.Option) (*upvest.Client, *sandbox.Sandbox) {
	t.Helper()
	return startSandbox(t, cfg, sandbox.P521, append([]upvest.Option{fastRetries}, opts...)...)
}

// startSandbox starts a sandbox with credentials of kind and a client for it.
func startSandbox(t testing.TB, cfg sandbox.Config, kind sandbox.KeyKind, opts ...upvest.Option) (*upvest.Client, *sandbox.Sandbox) {
	t.Helper()
	sb, err := sandbox.Start(cfg, kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	c, err := upvest.New(configFor(sb), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, sb
}

// configFor is the client configuration for a running sandbox.
func configFor(sb *sandbox.Sandbox) upvest.Config { return sb.ClientConfig() }

// waitFor polls cond until it holds, failing the test with what after a
// minute: a bound on a wait for an event, never a measurement.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}
