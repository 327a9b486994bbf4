package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

// Start registers Config.PrivateKeyPEM under Config.KeyID when they are
// set, so a restarted sandbox accepts the same credentials; a key it
// cannot use is a *middleware.KeyError.
func TestStartWithGivenKey(t *testing.T) {
	t.Parallel()
	first, err := sandbox.Start(sandbox.Config{}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	cfg := sandbox.Config{ClientID: "tenant-1", ClientSecret: "secret-1", KeyID: "key-1", PrivateKeyPEM: first.Credentials.PrivateKeyPEM}
	sb, err := sandbox.Start(cfg, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	c := sb.Credentials
	if c.ClientID != "tenant-1" || c.ClientSecret != "secret-1" || c.KeyID != "key-1" || !bytes.Equal(c.PrivateKeyPEM, cfg.PrivateKeyPEM) {
		t.Fatalf("credentials %q %q %q, want the configured ones", c.ClientID, c.ClientSecret, c.KeyID)
	}
	client, err := upvest.New(sb.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateAccountGroup(context.Background(), sb.NewUser(), upvest.TypePersonal); err != nil {
		t.Fatal(err)
	}
	_, err = sandbox.Start(sandbox.Config{PrivateKeyPEM: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}, sandbox.P521)
	var ke *middleware.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("a broken key: %v, want a *middleware.KeyError", err)
	}
}
