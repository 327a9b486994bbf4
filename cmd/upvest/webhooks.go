package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// webhooksListen serves the webhook handler and prints every verified event
// as one JSON line on stdout; refusals go to stderr with their reason.
func (a *app) webhooksListen(args []string) int {
	fs := flag.NewFlagSet("webhooks listen", flag.ContinueOnError)
	var creds credentials
	creds.register(fs, a.env)
	addr := fs.String("addr", "", "listen address, HOST:PORT")
	path := fs.String("path", "/webhooks", "URL path deliveries are posted to")
	jwksFile := fs.String("jwks-file", "", "verification keys: a JWKS file (default: fetched from the API with the credentials)")
	if _, ok := a.parse(fs, args, 0, "webhooks listen --addr HOST:PORT"); !ok {
		return 2
	}
	if *addr == "" {
		return a.usageError("webhooks listen: --addr is required")
	}
	var keys webhook.KeySource
	if *jwksFile != "" {
		data, err := os.ReadFile(*jwksFile)
		if err != nil {
			return a.fail(err)
		}
		static, err := webhook.ParseJWKS(data)
		if err != nil {
			return a.fail(err)
		}
		keys = webhook.StaticKeys(static)
	} else {
		c, err := creds.client()
		if err != nil {
			return a.fail(fmt.Errorf("no --jwks-file, so keys come from the API: %w", err))
		}
		keys = &webhook.RemoteKeys{Fetch: c.WebhookKeys}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return a.fail(err)
	}
	srv := &http.Server{Handler: a.webhookMux(keys, *path), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stderr, "upvest: listening for webhooks on http://%s%s\n", ln.Addr(), *path)
	go func() { _ = srv.Serve(ln) }()
	<-a.ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return 0
}

func (a *app) webhookMux(keys webhook.KeySource, path string) http.Handler {
	var mu sync.Mutex // one line at a time
	h := webhook.NewHandler(&webhook.Verifier{Keys: keys},
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			return a.printLine(&mu, e)
		}),
		webhook.OnUnknownEvent(func(_ context.Context, e webhook.RawEvent) error {
			return a.printLine(&mu, e)
		}),
		webhook.OnRefusal(func(r *http.Request, err error) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(a.stderr, "upvest: refused delivery from %s: %s\n", r.RemoteAddr, flatten(err.Error()))
		}),
	)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	return mux
}

func (a *app) printLine(mu *sync.Mutex, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}
