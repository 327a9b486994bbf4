package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/upvest-go/upvest/sandbox"
)

// maxSandboxUsers bounds --users.
const maxSandboxUsers = 1000

// sandboxID is what --client-id and --key-id accept: safe in a header, a
// signature parameter and an unquoted shell export.
var sandboxID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// sandboxOpts are the flags of `upvest sandbox`.
type sandboxOpts struct {
	addr, keyFile, clientID, keyID         string
	subscribe                              urlList
	seed                                   uint64
	rateLimited, serverErrors, lostAnswers float64
	tenantRate                             float64
	retryAfter, users, tenantBurst         int
	latency, approvalDelay, closingDelay   time.Duration
	clockOffset                            time.Duration
	verbose                                bool
}

// sandboxFlags defines the flags of `upvest sandbox`.
func sandboxFlags() (*flag.FlagSet, *sandboxOpts) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	o := &sandboxOpts{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (0.0.0.0:PORT or [::]:PORT: every interface; the printed base URL is then the loopback one)")
	fs.StringVar(&o.keyFile, "key-file", "", "the client's signing key `FILE`, kept: reused when it holds a key, else written (mode 0600) (default: a temporary file, removed on exit)")
	fs.StringVar(&o.clientID, "client-id", "", "the tenant client `ID` to accept (default: a random UUID); the client secret is UPVEST_CLIENT_SECRET's value, else random")
	fs.StringVar(&o.keyID, "key-id", "", "the `ID` to register the signing key under (default: a random UUID)")
	fs.IntVar(&o.users, "users", 1, "how many users to register, `N`; with --client-id the same ids every start")
	fs.Var(&o.subscribe, "subscribe", "deliver signed ACCOUNT_GROUP.* webhooks to `URL`, retried until answered 200 (repeat for several)")
	fs.Float64Var(&o.rateLimited, "rate-limited", 0, "`SHARE` (0 to 1) of calls answered 429 before any effect")
	fs.IntVar(&o.retryAfter, "retry-after", 0, "with those 429s, a Retry-After of `SECONDS`")
	fs.Float64Var(&o.serverErrors, "server-errors", 0, "`SHARE` (0 to 1) of calls answered 500, 503 or 504 before any effect")
	fs.Float64Var(&o.lostAnswers, "lost-answers", 0, "`SHARE` (0 to 1) of successful creates whose answer is lost: created, then the connection closed")
	fs.Float64Var(&o.tenantRate, "tenant-rate", 0, "limit each client id's API calls (not its token requests) to `N` per second; above it a 429 without Retry-After, as Upvest's per-client limit (default 0: no limit)")
	fs.IntVar(&o.tenantBurst, "tenant-burst", 0, "how many calls a client id may make at once under --tenant-rate, `N` (default 0: a second's worth of the rate, rounded up)")
	fs.DurationVar(&o.latency, "latency", 0, "delay every answer by `DURATION`")
	fs.DurationVar(&o.clockOffset, "clock-offset", 0, "run the sandbox's clock `DURATION` ahead (negative: behind) of this machine's, as a server whose clock differs from the client's")
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
	for _, id := range []struct{ flag, v string }{{"--client-id", o.clientID}, {"--key-id", o.keyID}} {
		if id.v != "" && !sandboxID.MatchString(id.v) {
			return usageErr(fmt.Sprintf("%s must be 1 to 128 letters, digits and . _ : - (starting with a letter or digit), not %q", id.flag, id.v))
		}
	}
	if o.users < 1 || o.users > maxSandboxUsers {
		return usageErr(fmt.Sprintf("--users must be 1 to %d, not %d", maxSandboxUsers, o.users))
	}
	if o.retryAfter < 0 {
		return usageErr(fmt.Sprintf("--retry-after must be 0 or more seconds, not %d", o.retryAfter))
	}
	if math.IsNaN(o.tenantRate) || math.IsInf(o.tenantRate, 0) || o.tenantRate < 0 {
		return usageErr(fmt.Sprintf("--tenant-rate must be 0 (no limit) or more calls per second, not %v", o.tenantRate))
	}
	if o.tenantBurst < 0 {
		return usageErr(fmt.Sprintf("--tenant-burst must be 0 (a second's worth of the rate) or more calls, not %d", o.tenantBurst))
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

// config is the sandbox's configuration from the flags, with the client
// secret given (empty: a random one) and, with -v, refusals logged to
// stderr.
func (o *sandboxOpts) config(secret string, stderr io.Writer) sandbox.Config {
	cfg := sandbox.Config{Addr: o.addr, ClientID: o.clientID, ClientSecret: secret, KeyID: o.keyID,
		Faults: o.faults(), ApprovalDelay: o.approvalDelay, ClosingDelay: o.closingDelay}
	if o.verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(prefixWriter{stderr}, &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
				if len(groups) == 0 && (at.Key == slog.TimeKey || at.Key == slog.LevelKey) {
					return slog.Attr{}
				}
				return at
			},
		}))
	}
	return cfg
}

func (o *sandboxOpts) faults() sandbox.Faults {
	return sandbox.Faults{Seed: o.seed, RateLimited: o.rateLimited, RetryAfter: o.retryAfter,
		ServerErrors: o.serverErrors, LostAnswers: o.lostAnswers, Latency: o.latency, ClockOffset: o.clockOffset,
		TenantRate: o.tenantRate, TenantBurst: o.tenantBurst}
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
	if o.tenantRate > 0 {
		burst := ""
		if o.tenantBurst > 0 {
			burst = fmt.Sprintf("burst %d, ", o.tenantBurst)
		}
		parts = append(parts, fmt.Sprintf("API calls limited to %g/s per client id (%s429 without Retry-After)", o.tenantRate, burst))
	}
	if o.latency > 0 {
		parts = append(parts, "every answer delayed "+o.latency.String())
	}
	if o.clockOffset != 0 {
		parts = append(parts, "the clock "+o.clockOffset.String()+" off this machine's")
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
