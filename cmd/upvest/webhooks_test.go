package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// A server that stalls: 50 connections send their headers, then never the
// body. The read timeout (short here, by flag) closes every one of them.
func TestWebhooksListenClosesStalledConnections(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	l := w.listen(t, "--jwks-file", jwks, "--read-header-timeout", "300ms", "--read-timeout", "300ms")
	u, _ := url.Parse(l.url)
	const n = 50
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /hooks HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"payload\":", u.Host)
		conns[i] = c
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(failsafe))
		_, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection %d still open after %s: the server never timed it out", i, failsafe)
		}
	}
}

// Headers are bounded (--max-header-bytes, 64 KiB by default): a request
// with 100 KiB of headers is refused with 431 before any verification.
func TestWebhooksListenHeaderLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	for _, tc := range []struct {
		name string
		args []string
		size int
		want int
	}{
		{"default limit, 100 KiB", nil, 100 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"default limit, 8 KiB", nil, 8 << 10, http.StatusUnauthorized},
		{"--max-header-bytes 4096, 16 KiB", []string{"--max-header-bytes", "4096"}, 16 << 10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := w.listen(t, append([]string{"--jwks-file", jwks}, tc.args...)...)
			req, _ := http.NewRequest(http.MethodPost, l.url, strings.NewReader(`{"payload":[]}`))
			req.Header.Set("X-Padding", strings.Repeat("a", tc.size))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%d bytes of headers: %d, want %d", tc.size, resp.StatusCode, tc.want)
			}
		})
	}
}

// fakeAPI answers the token and JWKS calls of the client with jwks.
func fakeAPI(t *testing.T, w *world, jwks string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Upvest-Request-Id", "1d7b2cb5-5ad8-4a5e-8e1c-3a3c1b1b4b0e")
		rw.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/auth/token":
			io.WriteString(rw, `{"access_token":"tok","token_type":"bearer","expires_in":3600,"scope":"webhooks:read"}`)
		case "/auth/verify_keys":
			io.WriteString(rw, jwks)
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(srv.Close)
	w.env["UPVEST_BASE_URL"] = srv.URL
}

// With credentials, listen fetches the JWKS once at start and refuses to
// start, saying why, when it cannot; keys it cannot use are reported.
func TestWebhooksListenChecksTheKeysAtStart(t *testing.T) {
	t.Parallel()
	keyLine := regexp.MustCompile(`(?m)^upvest: webhooks listen: cannot start without the webhook verification keys \(GET /auth/verify_keys\): .+$`)
	t.Run("wrong client secret", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.env["UPVEST_CLIENT_SECRET"] = "wrong-secret-value"
		l := w.start(t)
		if code := l.exit(t); code != 1 || !keyLine.MatchString(l.err.String()) || !strings.Contains(l.err.String(), "HTTP 401") {
			t.Fatalf("exit %d, stderr %q", code, l.err.String())
		}
		if strings.Contains(l.err.String(), "listening") || strings.Contains(l.err.String(), "wrong-secret-value") {
			t.Fatalf("stderr %q", l.err.String())
		}
	})
	t.Run("API down", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		w.env["UPVEST_BASE_URL"] = "http://" + ln.Addr().String()
		ln.Close() // nothing listens there any more
		l := w.start(t)
		if code := l.exit(t); code != 1 || !keyLine.MatchString(l.err.String()) {
			t.Fatalf("exit %d, stderr %q", code, l.err.String())
		}
	})
	t.Run("no usable key", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		fakeAPI(t, w, `{"keys":[`+okpKey+`]}`)
		l := w.start(t)
		if code := l.exit(t); code != 1 || !keyLine.MatchString(l.err.String()) || !strings.Contains(l.err.String(), `kid "ed-1"`) {
			t.Fatalf("exit %d, stderr %q", code, l.err.String())
		}
	})
	t.Run("an unusable key beside a usable one", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		fakeAPI(t, w, string(withOKP(t, w.sb.WebhookJWKS())))
		l := w.listen(t)
		if !strings.Contains(l.err.String(), `upvest: webhook: JWKS key 0 (kid "ed-1") skipped: OKP Ed25519, want EC P-521`) {
			t.Fatalf("stderr %q", l.err.String())
		}
	})
}

// --jwks-file takes a JWKS (unusable keys skipped and reported) or a PEM
// public key, whose kid --key-id names; deliveries verify with either.
func TestWebhooksListenKeyFiles(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keys, err := webhook.ParseJWKS(w.sb.WebhookJWKS())
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(keys[w.sb.WebhookKeyID()])
	pemFile := writeFile(t, "webhook.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	mixed := writeFile(t, "jwks.json", withOKP(t, w.sb.WebhookJWKS()))
	for _, tc := range []struct {
		name string
		args []string
		log  string // a line expected on stderr
	}{
		{"PEM with --key-id", []string{"--jwks-file", pemFile, "--key-id", w.sb.WebhookKeyID()}, ""},
		{"JWKS with an unusable key", []string{"--jwks-file", mixed}, `upvest: webhook: JWKS key 0 (kid "ed-1") skipped`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := w.listen(t, tc.args...)
			if !strings.Contains(l.err.String(), tc.log) {
				t.Fatalf("stderr %q lacks %q", l.err.String(), tc.log)
			}
			w.sb.Subscribe(l.url)
			if code, _, e := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL"); code != 0 {
				t.Fatal(e)
			}
			<-matched(l.out, `"type":"ACCOUNT_GROUP.CREATED"`)
			if !strings.Contains(l.out.String(), `"type":"ACCOUNT_GROUP.CREATED"`) {
				t.Fatalf("no event printed; stderr %q", l.err.String())
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"PEM without --key-id", []string{"--jwks-file", pemFile}, 2, "--key-id"},
		{"P-256 PEM", []string{"--jwks-file", writeFile(t, "p256.pem", p256PEM(t)), "--key-id", "k"}, 1, "P-521"},
		{"JWKS without a usable key", []string{"--jwks-file", writeFile(t, "okp.json", []byte(`{"keys":[`+okpKey+`]}`))}, 1, `kid "ed-1"`},
		{"missing file", []string{"--jwks-file", filepath.Join(t.TempDir(), "nope.json")}, 1, "nope.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := w.start(t, tc.args...)
			if code := l.exit(t); code != tc.code || !strings.Contains(l.err.String(), tc.want) || strings.Contains(l.err.String(), "listening") {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, l.err.String(), tc.code, tc.want)
			}
		})
	}
}

func p256PEM(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Shutdown is graceful: a delivery whose body is still arriving when the
// command is stopped is read and answered before it exits.
func TestWebhooksListenGracefulShutdown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	l := w.listen(t, "--jwks-file", jwks)
	u, _ := url.Parse(l.url)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(failsafe))
	body := `{"payload":[]}`
	// 100-continue: the server answers 100 once the handler reads the
	// body, so the delivery is surely in flight when the stop comes.
	fmt.Fprintf(c, "POST /hooks HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", u.Host, len(body))
	rd := bufio.NewReader(c)
	if resp, err := http.ReadResponse(rd, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue: %v", err)
	}
	l.cancel()
	<-matched(l.err, `shutting down`)
	if !strings.Contains(l.err.String(), "shutting down") {
		t.Fatalf("no shutdown line: %q", l.err.String())
	}
	io.WriteString(c, body)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("the delivery in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized { // unsigned, but answered
		t.Fatalf("status %d", resp.StatusCode)
	}
	if code := l.exit(t); code != 0 {
		t.Fatalf("exit %d: %s", code, l.err.String())
	}
}
