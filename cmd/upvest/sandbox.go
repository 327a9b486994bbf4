package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/upvest-go/upvest/sandbox"
)

// sandbox runs a local sandbox until interrupted and prints the credentials
// to use with it.
func (a *app) sandbox(args []string) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	keyFile := fs.String("key-file", "", "where to write the client signing key (default: a new temporary file)")
	if _, ok := a.parse(fs, args, 0, "sandbox [--addr HOST:PORT]"); !ok {
		return 2
	}
	sb, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return a.fail(err)
	}
	defer sb.Close()
	creds, err := sb.NewCredentials()
	if err != nil {
		return a.fail(err)
	}
	path := *keyFile
	if path == "" {
		dir, err := os.MkdirTemp("", "upvest-sandbox-")
		if err != nil {
			return a.fail(err)
		}
		path = filepath.Join(dir, "signing-key.pem")
	}
	if err := os.WriteFile(path, creds.PrivateKeyPEM, 0o600); err != nil {
		return a.fail(err)
	}
	srv, err := sb.Listen(*addr)
	if err != nil {
		return a.fail(err)
	}
	defer srv.Close()
	user := sb.NewUser()
	fmt.Fprintf(a.stdout, `Upvest sandbox listening on %s
Use it with:
export UPVEST_BASE_URL=%s
export UPVEST_CLIENT_ID=%s
export UPVEST_CLIENT_SECRET=%s
export UPVEST_KEY_ID=%s
export UPVEST_PRIVATE_KEY_FILE=%s
A user to create account groups for: %s
Webhook verification keys: %s/auth/verify_keys (kid %s)
Stop with Ctrl-C.
`, srv.URL, srv.URL, creds.ClientID, creds.ClientSecret, creds.KeyID, path, user, srv.URL, sb.WebhookKeyID())
	<-a.ctx.Done()
	return 0
}
