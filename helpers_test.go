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
func newSandbox(t testing.TB, cfg sandbox.Config, opts ...upvest.Option) (*upvest.Client, *sandbox.Sandbox, *sandbox.Server) {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	c, err := upvest.New(upvest.Config{
		BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM,
	}, append([]upvest.Option{fastRetries}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, sb, srv
}
