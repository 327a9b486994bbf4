package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/webhook"
	"github.com/upvest-go/upvest/webhook/redisstore"
)

// webhooksListen serves the webhook handler and prints every verified event
// as one JSON line on stdout; refusals go to stderr with their reason. It
// checks its verification keys before it listens, and stops gracefully when
// its context ends.
func (a *app) webhooksListen(args []string) int {
	fs, creds := a.apiFlags()
	addr := fs.String("addr", "", "listen on `HOST:PORT` (required)")
	path := fs.String("path", "/webhooks", "the URL `PATH` deliveries are posted to")
	jwksFile := fs.String("jwks-file", "", "the verification keys: a JWKS `FILE` (upvest webhooks keys > FILE), or a PEM public key whose kid --key-id gives (default: fetched from the API with the credentials)")
	redisURL := fs.String("redis", a.env(redisEnv), "a Redis `URL` shared by the replicas, so that each event is handled once across them: "+redisForms+", "+redisEnv+" (with a password, set the variable: a flag's value can be read by every local user) (default: once per process, in memory)")
	redisPrefix := fs.String("redis-prefix", redisstore.DefaultPrefix, "`PREFIX` of the keys written to Redis")
	var cfg serverConfig
	cfg.register(fs)
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	if *addr == "" {
		return a.fail(usageErr("--addr is required: HOST:PORT to listen on"))
	}
	if err := cfg.check(); err != nil {
		return a.fail(usageErr(err.Error()))
	}
	if err := checkListenPath(*path); err != nil {
		return a.fail(err)
	}
	keyIDGiven := false
	fs.Visit(func(f *flag.Flag) { keyIDGiven = keyIDGiven || f.Name == "key-id" })
	out := &lines{stdout: a.stdout, stderr: a.stderr}
	var store webhook.EventStore
	if *redisURL != "" {
		rs, code := a.listenStore(*redisURL, *redisPrefix, out)
		if rs == nil {
			return code
		}
		defer rs.Close()
		store = rs
	}
	keys, code := a.listenKeys(creds, *jwksFile, keyIDGiven, out)
	if keys == nil {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return a.fail(err)
	}
	srv := cfg.server(a.webhookMux(keys, store, *path, out))
	out.errorf("upvest: listening for webhooks on http://%s%s\n", ln.Addr(), *path)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return a.fail(err)
	case <-a.ctx.Done():
	}
	out.errorf("upvest: shutting down; deliveries in flight have %s to finish\n", cfg.shutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		out.errorf("upvest: shutdown: %s; remaining connections closed\n", flatten(err.Error()))
	}
	return 0
}

// listenKeys returns the verification keys: from file (a JWKS, or a PEM
// public key for the kid --key-id gives explicitly; UPVEST_KEY_ID is the
// signing key's id, never a webhook kid), or from the API with the
// credentials, fetched once now so that a listener that could verify
// nothing does not start. A nil KeySource comes with the exit code.
func (a *app) listenKeys(creds *credentials, file string, keyIDGiven bool, out *lines) (webhook.KeySource, int) {
	skipped := func(s *webhook.SkippedKeyError) { out.errorf("upvest: %s\n", flatten(s.Error())) }
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, a.fail(err)
		}
		if bytes.Contains(data, []byte("-----BEGIN")) {
			if !keyIDGiven {
				return nil, a.fail(usageErr("a PEM --jwks-file needs --key-id, the kid Upvest signs deliveries with"))
			}
			keys, err := webhook.ParsePublicKeyPEM(creds.keyID, data)
			if err != nil {
				return nil, a.fail(fmt.Errorf("%s: %w", file, err))
			}
			return webhook.StaticKeys(keys), 0
		}
		set, err := webhook.ParseKeySet(data)
		if err != nil {
			return nil, a.fail(fmt.Errorf("%s: %w", file, err))
		}
		for _, s := range set.Skipped {
			skipped(s)
		}
		return set.Keys, 0
	}
	c, err := a.newClient(creds, nil, "upvest-cli")
	if err != nil {
		return nil, a.fail(fmt.Errorf("without --jwks-file the keys come from the API: %w", err))
	}
	keys := &webhook.RemoteKeys{Fetch: c.WebhookKeys, OnSkippedKey: skipped}
	if err := keys.Refresh(a.ctx); err != nil {
		out.errorf("upvest: webhooks listen: cannot start without the webhook verification keys (GET /auth/verify_keys): %s\n",
			strings.TrimPrefix(oneLine(err), "upvest: "))
		return nil, 1
	}
	return keys, 0
}

// listenStore opens the Redis the replicas share and checks that it
// answers, so a listener that would answer every delivery 503 does not
// start. Nothing it prints holds the URL's password. A nil Store comes
// with the exit code.
func (a *app) listenStore(rawURL, prefix string, out *lines) (*redisstore.Store, int) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, a.fail(usageErr("--redis wants " + redisForms))
	}
	store, err := redisstore.Open(rawURL, redisstore.WithPrefix(prefix))
	if err != nil {
		return nil, a.fail(usageErr(err.Error()))
	}
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	if err := store.Ping(ctx); err != nil {
		store.Close()
		out.errorf("upvest: webhooks listen: cannot start without Redis at %s: %s\n", u.Host, flatten(err.Error()))
		return nil, 1
	}
	out.errorf("upvest: events handled once across replicas through Redis at %s (keys %s*)\n", u.Host, prefix)
	return store, 0
}

// webhooksKeys prints the JWKS the API publishes for webhook deliveries,
// as webhooks listen --jwks-file takes it.
func (a *app) webhooksKeys(args []string) int {
	fs, creds := a.apiFlags()
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	return a.call(creds, func(c *upvest.Client) (any, error) {
		raw, err := c.WebhookKeys(a.ctx)
		return json.RawMessage(raw), err
	})
}

func (a *app) webhookMux(keys webhook.KeySource, store webhook.EventStore, path string, out *lines) http.Handler {
	opts := []webhook.Option{}
	if store != nil {
		opts = append(opts, webhook.WithEventStore(store), webhook.OnStoreError(func(err error) {
			out.errorf("upvest: event store: %s\n", flatten(err.Error()))
		}))
	}
	h := webhook.NewHandler(&webhook.Verifier{Keys: keys}, append(opts,
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			return out.event(e)
		}),
		webhook.OnUnknownEvent(func(_ context.Context, e webhook.RawEvent) error {
			return out.event(e)
		}),
		webhook.OnRefusal(func(r *http.Request, err error) {
			out.errorf("upvest: refused delivery from %s: %s\n", r.RemoteAddr, flatten(err.Error()))
		}),
	)...)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	return mux
}

// checkListenPath refuses a --path the listener could not serve as given:
// it must be an absolute, clean URL path (no empty, . or .. segments, which
// net/http redirects away) of letters, digits and - . _ ~ ! $ & ' ( ) * + ,
// ; = : @ /. No space, brace, query, fragment or escape: net/http's
// patterns would not take them literally (some make it panic).
func checkListenPath(p string) error {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	if p == "" || p[0] != '/' || clean != p || strings.IndexFunc(p, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~!$&'()*+,;=:@/", r))
	}) >= 0 {
		return usageErr(fmt.Sprintf("--path must be a URL path such as /webhooks: starting with /, no empty, . or .. segments, "+
			"only letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ /; not %q", p))
	}
	return nil
}

// lines writes whole lines to stdout and stderr for several goroutines.
type lines struct {
	mu             sync.Mutex
	stdout, stderr io.Writer
}

// event prints v as one JSON line on stdout.
func (l *lines) event(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = fmt.Fprintf(l.stdout, "%s\n", b)
	return err
}

// errorf prints one line on stderr.
func (l *lines) errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.stderr, format, args...)
}

// Defaults of the listen server's limits. The write timeout runs from the
// end of the request headers: it covers a slow body (read timeout) and a
// fetch of the verification keys for a new kid.
const (
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 15 * time.Second
	defaultWriteTimeout      = defaultReadTimeout + webhook.DefaultFetchTimeout + 5*time.Second
	defaultIdleTimeout       = time.Minute
	defaultMaxHeaderBytes    = 64 << 10
	defaultShutdownTimeout   = 5 * time.Second
)

// serverConfig holds the listen server's limits, from flags.
type serverConfig struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout, shutdownTimeout time.Duration
	maxHeaderBytes                                                             int
}

func (c *serverConfig) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.readHeaderTimeout, "read-header-timeout", defaultReadHeaderTimeout, "`DURATION` to read a request's headers")
	fs.DurationVar(&c.readTimeout, "read-timeout", defaultReadTimeout, "`DURATION` to read a whole request, body included")
	fs.DurationVar(&c.writeTimeout, "write-timeout", defaultWriteTimeout, "`DURATION` from the end of the headers to the end of the answer")
	fs.DurationVar(&c.idleTimeout, "idle-timeout", defaultIdleTimeout, "`DURATION` a kept-alive connection may wait for its next request")
	fs.IntVar(&c.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "bound on a request's headers, in `BYTES` (larger: 431)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "`DURATION` deliveries in flight get to finish on shutdown")
}

// check refuses limits that are not positive.
func (c *serverConfig) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"--read-header-timeout", c.readHeaderTimeout}, {"--read-timeout", c.readTimeout}, {"--write-timeout", c.writeTimeout},
		{"--idle-timeout", c.idleTimeout}, {"--shutdown-timeout", c.shutdownTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s must be positive, not %s", d.name, d.v)
		}
	}
	if c.maxHeaderBytes <= 0 {
		return errors.New("--max-header-bytes must be positive")
	}
	return nil
}

// server returns the HTTP server for h with these limits.
func (c *serverConfig) server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.readHeaderTimeout,
		ReadTimeout:       c.readTimeout,
		WriteTimeout:      c.writeTimeout,
		IdleTimeout:       c.idleTimeout,
		MaxHeaderBytes:    c.maxHeaderBytes,
	}
}
