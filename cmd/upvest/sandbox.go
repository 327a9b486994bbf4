package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/upvest-go/upvest/sandbox"
)

// drainTimeout bounds how long a stopping sandbox waits for the webhook
// events still pending to be delivered.
const drainTimeout = 3 * time.Second

// sandboxOpts are the flags of `upvest sandbox`.
type sandboxOpts struct {
	addr, keyFile                          string
	subscribe                              urlList
	seed                                   uint64
	rateLimited, serverErrors, lostAnswers float64
	retryAfter                             int
	latency, approvalDelay, closingDelay   time.Duration
	verbose                                bool
}

// sandboxFlags defines the flags of `upvest sandbox`.
func sandboxFlags() (*flag.FlagSet, *sandboxOpts) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	o := &sandboxOpts{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (0.0.0.0:PORT or [::]:PORT: every interface; the printed base URL is then the loopback one)")
	fs.StringVar(&o.keyFile, "key-file", "", "write the client's signing key to `FILE` and keep it (default: a temporary file, removed on exit)")
	fs.Var(&o.subscribe, "subscribe", "deliver signed ACCOUNT_GROUP.* webhooks to `URL`, retried until answered 200 (repeat for several)")
	fs.Float64Var(&o.rateLimited, "rate-limited", 0, "`SHARE` (0 to 1) of calls answered 429 before any effect")
	fs.IntVar(&o.retryAfter, "retry-after", 0, "with those 429s, a Retry-After of `SECONDS`")
	fs.Float64Var(&o.serverErrors, "server-errors", 0, "`SHARE` (0 to 1) of calls answered 500, 503 or 504 before any effect")
	fs.Float64Var(&o.lostAnswers, "lost-answers", 0, "`SHARE` (0 to 1) of successful creates whose answer is lost: created, then the connection closed")
	fs.DurationVar(&o.latency, "latency", 0, "delay every answer by `DURATION`")
	fs.DurationVar(&o.approvalDelay, "approval-delay", 0, "how long a new group stays PENDING_APPROVAL, a `DURATION` (default 0: ACTIVE at once)")
	fs.DurationVar(&o.closingDelay, "closing-delay", 0, "how long a group stays CLOSING once its closure is asked, a `DURATION` (default 0: CLOSED at once)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the fault draws: the same `N` and calls give the same faults")
	registerVerbose(fs, &o.verbose, false, "log each refused call's reason on stderr")
	return fs, o
}

// check refuses a fault or subscription the sandbox cannot honour, naming
// its flag.
func (o *sandboxOpts) check() error {
	for _, s := range []struct {
		flag string
		v    float64
	}{{"--rate-limited", o.rateLimited}, {"--server-errors", o.serverErrors}, {"--lost-answers", o.lostAnswers}} {
		if math.IsNaN(s.v) || s.v < 0 || s.v > 1 {
			return usageErr(fmt.Sprintf("%s must be 0 to 1 (a share of the calls), not %v", s.flag, s.v))
		}
	}
	if o.retryAfter < 0 {
		return usageErr(fmt.Sprintf("--retry-after must be 0 or more seconds, not %d", o.retryAfter))
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--latency", o.latency}, {"--approval-delay", o.approvalDelay}, {"--closing-delay", o.closingDelay}} {
		if d.v < 0 {
			return usageErr(fmt.Sprintf("%s must be 0 or more, not %s", d.flag, d.v))
		}
	}
	for _, s := range o.subscribe {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr(fmt.Sprintf("--subscribe must be an absolute http or https URL, not %q", s))
		}
	}
	return nil
}

func (o *sandboxOpts) faults() sandbox.Faults {
	return sandbox.Faults{Seed: o.seed, RateLimited: o.rateLimited, RetryAfter: o.retryAfter,
		ServerErrors: o.serverErrors, LostAnswers: o.lostAnswers, Latency: o.latency}
}

// describe tells the faults in a sentence, "" when there are none.
func (o *sandboxOpts) describe() string {
	pct := func(v float64) string { return fmt.Sprintf("%.4g%%", v*100) }
	var parts []string
	if o.rateLimited > 0 {
		s := pct(o.rateLimited) + " of calls rate limited (429"
		if o.retryAfter > 0 {
			s += fmt.Sprintf(", Retry-After %d s", o.retryAfter)
		}
		parts = append(parts, s+")")
	}
	if o.serverErrors > 0 {
		parts = append(parts, pct(o.serverErrors)+" of calls answered 500, 503 or 504")
	}
	if o.lostAnswers > 0 {
		parts = append(parts, pct(o.lostAnswers)+" of successful creates losing their answer")
	}
	if o.latency > 0 {
		parts = append(parts, "every answer delayed "+o.latency.String())
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; seed %d", o.seed)
}

// urlList collects repeated --subscribe flags.
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, ",") }

func (l *urlList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// sandbox runs a local sandbox until interrupted and prints the credentials
// to use with it. The signing key goes to --key-file, kept; without it, to
// a temporary file removed when the sandbox stops.
func (a *app) sandbox(args []string) (code int) {
	fs, o := sandboxFlags()
	o.verbose = a.verbose
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	if err := o.check(); err != nil {
		return a.fail(err)
	}
	cfg := sandbox.Config{Addr: o.addr, Faults: o.faults(), ApprovalDelay: o.approvalDelay, ClosingDelay: o.closingDelay}
	if o.verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(prefixWriter{a.stderr}, &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
				if len(groups) == 0 && (at.Key == slog.TimeKey || at.Key == slog.LevelKey) {
					return slog.Attr{}
				}
				return at
			},
		}))
	}
	sb, err := sandbox.Start(cfg, sandbox.P521)
	if err != nil {
		return a.fail(err)
	}
	defer sb.Close()
	creds := sb.Credentials
	path, note := o.keyFile, ""
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
		path, note = filepath.Join(dir, "signing-key.pem"), " (removed when the sandbox stops; --key-file FILE keeps it)"
	}
	if err := os.WriteFile(path, creds.PrivateKeyPEM, 0o600); err != nil {
		return a.fail(err)
	}
	var subs []*sandbox.Subscription
	for _, u := range o.subscribe {
		subs = append(subs, sb.Subscribe(u))
	}
	listening, base, where := listenAddr(o.addr, sb.URL)
	user := sb.NewUser()
	var b strings.Builder
	fmt.Fprintf(&b, "Upvest sandbox listening on %s%s\nUse it with:\n", listening, where)
	fmt.Fprintf(&b, "export UPVEST_BASE_URL=%s\nexport UPVEST_CLIENT_ID=%s\nexport UPVEST_CLIENT_SECRET=%s\nexport UPVEST_KEY_ID=%s\nexport UPVEST_PRIVATE_KEY_FILE=%s\n",
		base, creds.ClientID, creds.ClientSecret, creds.KeyID, path)
	fmt.Fprintf(&b, "The key file is the client's signing key%s.\n", note)
	fmt.Fprintf(&b, "A user to create account groups for: %s\n", user)
	if d := o.describe(); d != "" {
		fmt.Fprintf(&b, "Faults: %s.\n", d)
	}
	for _, s := range subs {
		fmt.Fprintf(&b, "Webhooks: signed ACCOUNT_GROUP.* events delivered to %s (webhook id %s), retried until answered 200.\n", s.URL(), s.ID())
	}
	fmt.Fprintf(&b, "Webhook verification keys: %s/auth/verify_keys (kid %s), or: upvest webhooks keys > jwks.json\n", base, sb.WebhookKeyID())
	b.WriteString("Stop with Ctrl-C.\n")
	io.WriteString(a.stdout, b.String())
	<-a.ctx.Done()
	a.drain(subs)
	return 0
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
