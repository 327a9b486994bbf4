package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/sandbox"
)

// drainTimeout bounds how long a stopping sandbox waits for the webhook
// events still pending to be delivered.
const drainTimeout = 3 * time.Second

// sandbox runs a local sandbox until interrupted and prints the credentials
// to use with it. The signing key comes from --key-file when it holds one,
// else it is made and written there (kept) or, without --key-file, to a
// temporary file removed when the sandbox stops.
func (a *app) sandbox(args []string) (code int) {
	fs, o := sandboxFlags()
	o.verbose = a.verbose
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	if err := o.check(); err != nil {
		return a.fail(err)
	}
	cfg := o.config(a.env("UPVEST_CLIENT_SECRET"), a.stderr)
	var keyMode os.FileMode
	if o.keyFile != "" {
		var err error
		if cfg.PrivateKeyPEM, keyMode, err = readKeyFile(o.keyFile); err != nil {
			return a.fail(err)
		}
	}
	sb, err := sandbox.Start(cfg, sandbox.P521)
	if err != nil {
		if cfg.PrivateKeyPEM != nil {
			err = fmt.Errorf("--key-file %s holds a key the sandbox cannot use: %w", o.keyFile, err)
		}
		return a.fail(err)
	}
	defer sb.Close()
	path, note := o.keyFile, " (reused: the file held a key)"
	switch {
	case path == "":
		dir, err := os.MkdirTemp("", "upvest-sandbox-")
		if err != nil {
			return a.fail(err)
		}
		defer func() {
			if err := os.RemoveAll(dir); err != nil && code == 0 {
				code = a.fail(err)
			}
		}()
		path, note = filepath.Join(dir, "signing-key.pem"), " (removed when the sandbox stops; --key-file FILE keeps it)"
		fallthrough
	case cfg.PrivateKeyPEM == nil:
		if err := writeKeyFile(path, sb.Credentials.PrivateKeyPEM); err != nil {
			return a.fail(err)
		}
		if o.keyFile != "" {
			note = " (written, mode 0600; reused when the sandbox starts again)"
		}
	case keyMode&0o077 != 0:
		fmt.Fprintf(a.stderr, "upvest: warning: the key file %s is readable by other users (mode %o): chmod 600 it\n", path, keyMode)
	}
	var subs []*sandbox.Subscription
	for _, u := range o.subscribe {
		subs = append(subs, sb.Subscribe(u))
	}
	users := make([]string, o.users)
	for i := range users {
		id := sandboxUser(sb.Credentials.ClientID, i)
		sb.AddUser(id)
		users[i] = id.String()
	}
	io.WriteString(a.stdout, o.banner(sb, path, note, cfg.ClientSecret != "", users, subs))
	<-a.ctx.Done()
	a.drain(subs)
	return 0
}

// sandboxUsers is the namespace of the sandbox's user ids (UUID v5).
var sandboxUsers = uuid.MustParse("94847db5-62cd-433a-9a71-0e60a14e3069")

// sandboxUser is the id of the sandbox's user i for clientID: the same on
// every start with that client id.
func sandboxUser(clientID string, i int) uuid.UUID {
	return uuid.NewSHA1(sandboxUsers, []byte(clientID+":"+strconv.Itoa(i)))
}

// banner is what the sandbox prints once it listens: the exports that
// point the CLI at it (the client secret only when the sandbox made it up),
// the users, faults and subscriptions.
func (o *sandboxOpts) banner(sb *sandbox.Sandbox, keyFile, keyNote string, secretFromEnv bool, users []string, subs []*sandbox.Subscription) string {
	creds := sb.Credentials
	listening, base, where := listenAddr(o.addr, sb.URL)
	var b strings.Builder
	fmt.Fprintf(&b, "Upvest sandbox listening on %s%s\nUse it with:\n", listening, where)
	fmt.Fprintf(&b, "export UPVEST_BASE_URL=%s\nexport UPVEST_CLIENT_ID=%s\n", base, creds.ClientID)
	if !secretFromEnv {
		fmt.Fprintf(&b, "export UPVEST_CLIENT_SECRET=%s\n", creds.ClientSecret)
	}
	fmt.Fprintf(&b, "export UPVEST_KEY_ID=%s\nexport UPVEST_PRIVATE_KEY_FILE=%s\n", creds.KeyID, keyFile)
	if secretFromEnv {
		b.WriteString("The client secret is UPVEST_CLIENT_SECRET's value in this environment (not printed).\n")
	}
	fmt.Fprintf(&b, "The key file is the client's signing key%s.\n", keyNote)
	if len(users) == 1 {
		fmt.Fprintf(&b, "A user to create account groups for: %s\n", users[0])
	} else {
		fmt.Fprintf(&b, "Users to create account groups for: %s\n", strings.Join(users, " "))
	}
	if d := o.describe(); d != "" {
		fmt.Fprintf(&b, "Faults: %s.\n", d)
	}
	for _, s := range subs {
		fmt.Fprintf(&b, "Webhooks: signed ACCOUNT_GROUP.* events delivered to %s (webhook id %s), retried until answered 200.\n", s.URL(), s.ID())
	}
	fmt.Fprintf(&b, "Webhook verification keys: %s/auth/verify_keys (kid %s), or: upvest webhooks keys > jwks.json\n", base, sb.WebhookKeyID())
	b.WriteString("Stop with Ctrl-C.\n")
	return b.String()
}

// listenAddr returns the address the sandbox at rawURL, started on addr,
// listens on, the base URL to use it with from this host (a loopback one
// when it listens on every interface) and a note on where it can be
// reached. addr decides the family: Go reports a dual-stack 0.0.0.0
// listener as [::].
func listenAddr(addr, rawURL string) (listening, base, where string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL, rawURL, ""
	}
	listening, base = u.Host, rawURL
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		lo := "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			lo = "::1"
		}
		listening = net.JoinHostPort(host, u.Port())
		u.Host = net.JoinHostPort(lo, u.Port())
		base, where = u.String(), " (every interface)"
	case !isLoopback(u.Hostname()):
		where = " (plain http: the client accepts it on loopback only; from elsewhere, put a TLS proxy in front)"
	}
	return listening, base, where
}

// drain gives the webhook events still pending a moment to be delivered,
// then says how each subscription's deliveries went on stderr.
func (a *app) drain(subs []*sandbox.Subscription) {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for _, s := range subs {
		if st := s.Stats(); st.Pending > 0 {
			fmt.Fprintf(a.stderr, "upvest: stopping; %d webhook events for %s still pending, waiting up to %s\n", st.Pending, s.URL(), drainTimeout)
			_ = s.WaitDelivered(ctx, st.Delivered+st.Pending)
		}
	}
	for _, s := range subs {
		st := s.Stats()
		fmt.Fprintf(a.stderr, "upvest: sandbox stopped; webhooks to %s: %d events delivered, %d pending (%d deliveries posted)\n",
			s.URL(), st.Delivered, st.Pending, st.Attempts)
	}
}
