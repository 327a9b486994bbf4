package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
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
