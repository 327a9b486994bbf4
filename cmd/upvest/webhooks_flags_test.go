package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// --path must be a URL path the listener can serve: anything else (no
// leading slash, empty, a space, an unclosed or any brace, a query) is one
// usage line naming --path, exit 2, before anything starts; never a panic.
func TestWebhooksListenPathChecked(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	for _, path := range []string{"webhooks", "", "/a b", "/x/{id", "/x/{id}", "/x?y", "/x#y", "/x\n", "/%zz", "//host/x"} {
		t.Run(fmt.Sprintf("%q", path), func(t *testing.T) {
			t.Parallel()
			var code int
			var out, errOut string
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				// Interrupted from the start: a path taken by mistake
				// starts the listener, which stops at once.
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				code, out, errOut = w.runIn(ctx, "webhooks", "listen", "--addr", "127.0.0.1:0", "--jwks-file", jwks, "--path", path)
			}()
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--path") || strings.Contains(errOut, "listening") {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line naming --path", code, errOut)
			}
		})
	}
	for _, path := range []string{"/webhooks", "/hooks/upvest/", "/a-b_c.d~e", "/upvest:hooks@1"} {
		if err := checkListenPath(path); err != nil {
			t.Errorf("%q refused: %v", path, err)
		}
	}
}

// The server's limits have sound defaults: every timeout set, the read
// timeout at most 30 s, the write timeout long enough for a key fetch after
// a slow body, and bounded headers. Zero or negative values are usage
// errors.
func TestWebhooksListenServerDefaults(t *testing.T) {
	t.Parallel()
	var cfg serverConfig
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.register(fs)
	if err := fs.Parse(nil); err != nil || cfg.check() != nil {
		t.Fatal(err, cfg.check())
	}
	srv := cfg.server(http.NotFoundHandler())
	switch {
	case srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > srv.ReadTimeout:
		t.Errorf("ReadHeaderTimeout %s", srv.ReadHeaderTimeout)
	case srv.ReadTimeout <= 0 || srv.ReadTimeout > 30*time.Second:
		t.Errorf("ReadTimeout %s, want (0, 30s]", srv.ReadTimeout)
	case srv.WriteTimeout < srv.ReadTimeout+webhook.DefaultFetchTimeout:
		t.Errorf("WriteTimeout %s, want at least ReadTimeout + a key fetch", srv.WriteTimeout)
	case srv.IdleTimeout <= 0:
		t.Errorf("IdleTimeout %s", srv.IdleTimeout)
	case srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10:
		t.Errorf("MaxHeaderBytes %d", srv.MaxHeaderBytes)
	}
	w := newWorld(t)
	for _, bad := range [][]string{
		{"--read-timeout", "0"},
		{"--read-header-timeout", "-1s"},
		{"--write-timeout", "0s"},
		{"--idle-timeout", "0"},
		{"--shutdown-timeout", "0"},
		{"--max-header-bytes", "0"},
		{"--read-timeout", "soon"},
	} {
		code, _, errOut := w.run(t, append([]string{"webhooks", "listen", "--addr", "127.0.0.1:0", "--jwks-file", "x"}, bad...)...)
		if code != 2 || !strings.Contains(errOut, bad[0]) {
			t.Errorf("%q: exit %d, %q", bad, code, errOut)
		}
	}
}
