package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/upvest-go/upvest/sandbox"
)

// sandbox runs a local sandbox until interrupted and prints the credentials
// to use with it. The signing key goes to --key-file, kept; without it, to
// a temporary file removed when the sandbox stops.
func (a *app) sandbox(args []string) (code int) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	keyFile := fs.String("key-file", "", "where to write the client signing key, kept (default: a temporary file, removed on exit)")
	if _, ok := a.parse(fs, args, 0, "sandbox [--addr HOST:PORT] [--key-file FILE]"); !ok {
		return 2
	}
	sb, err := sandbox.Start(sandbox.Config{Addr: *addr}, sandbox.P521)
	if err != nil {
		return a.fail(err)
	}
	defer sb.Close()
	creds := sb.Credentials
	path, note := *keyFile, ""
	if path == "" {
		dir, err := os.MkdirTemp("", "upvest-sandbox-")
		if err != nil {
			return a.fail(err)
		}
		defer func() {
			if err := os.RemoveAll(dir); err != nil && code == 0 {
				code = a.fail(err)
			}
		}()
		path, note = filepath.Join(dir, "signing-key.pem"), " (removed when the sandbox stops)"
	}
	if err := os.WriteFile(path, creds.PrivateKeyPEM, 0o600); err != nil {
		return a.fail(err)
	}
	user := sb.NewUser()
	fmt.Fprintf(a.stdout, `Upvest sandbox listening on %s
Use it with:
export UPVEST_BASE_URL=%s
export UPVEST_CLIENT_ID=%s
export UPVEST_CLIENT_SECRET=%s
export UPVEST_KEY_ID=%s
export UPVEST_PRIVATE_KEY_FILE=%s
The key file is the client's signing key%s.
A user to create account groups for: %s
Webhook verification keys: %s/auth/verify_keys (kid %s)
Stop with Ctrl-C.
`, sb.URL, sb.URL, creds.ClientID, creds.ClientSecret, creds.KeyID, path, note, user, sb.URL, sb.WebhookKeyID())
	<-a.ctx.Done()
	return 0
}
