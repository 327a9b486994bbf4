package upvest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	good := upvest.Config{BaseURL: "https://sandbox.upvest.co", ClientID: "c", ClientSecret: "s", KeyID: "k", PrivateKeyPEM: testKeyPEM}
	tests := []struct {
		name   string
		mutate func(*upvest.Config)
		want   error
	}{
		{"plain http elsewhere", func(c *upvest.Config) { c.BaseURL = "http://api.upvest.co" }, upvest.ErrConfig},
		{"relative URL", func(c *upvest.Config) { c.BaseURL = "/api" }, upvest.ErrConfig},
		{"ftp", func(c *upvest.Config) { c.BaseURL = "ftp://127.0.0.1" }, upvest.ErrConfig},
		{"no client id", func(c *upvest.Config) { c.ClientID = "" }, upvest.ErrConfig},
		{"no secret", func(c *upvest.Config) { c.ClientSecret = "" }, upvest.ErrConfig},
		{"no key id", func(c *upvest.Config) { c.KeyID = "" }, upvest.ErrConfig},
		{"no key", func(c *upvest.Config) { c.PrivateKeyPEM = nil }, upvest.ErrConfig},
		{"garbage key", func(c *upvest.Config) { c.PrivateKeyPEM = []byte("nope") }, middleware.ErrNoPEM},
		{"passphrase for a plain key", func(c *upvest.Config) { c.PrivateKeyPassphrase = []byte("not needed") }, middleware.ErrPassphraseNotNeeded},
		{"no base URL (no silent sandbox)", func(c *upvest.Config) { c.BaseURL = "" }, upvest.ErrConfig},
		{"user info in the base URL", func(c *upvest.Config) { c.BaseURL = "https://user:pw@sandbox.upvest.co" }, upvest.ErrConfig},
		{"user name in the base URL", func(c *upvest.Config) { c.BaseURL = "http://user@127.0.0.1:8080" }, upvest.ErrConfig},
		{"query in the base URL", func(c *upvest.Config) { c.BaseURL = "https://sandbox.upvest.co/?token=x" }, upvest.ErrConfig},
		{"empty query in the base URL", func(c *upvest.Config) { c.BaseURL = "https://sandbox.upvest.co/?" }, upvest.ErrConfig},
		{"fragment in the base URL", func(c *upvest.Config) { c.BaseURL = "https://sandbox.upvest.co/#x" }, upvest.ErrConfig},
	}
	for _, d := range []time.Duration{upvest.MaxSignatureValidity + time.Second, 365 * 24 * time.Hour, -time.Second} {
		if _, err := upvest.New(good, upvest.WithSignatureValidity(d)); !errors.Is(err, upvest.ErrConfig) {
			t.Errorf("WithSignatureValidity(%v): err = %v, want ErrConfig", d, err)
		}
	}
	if _, err := upvest.New(good, upvest.WithSignatureValidity(upvest.MaxSignatureValidity)); err != nil {
		t.Errorf("WithSignatureValidity(MaxSignatureValidity): %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			_, err := upvest.New(cfg)
			if !errors.Is(err, tt.want) || !errors.Is(err, upvest.ErrConfig) {
				t.Fatalf("err = %v, want %v inside ErrConfig", err, tt.want)
			}
			var ke *middleware.KeyError
			if strings.Contains(tt.name, "key") && tt.want != upvest.ErrConfig && !errors.As(err, &ke) {
				t.Fatalf("err = %v: errors.As does not reach the *middleware.KeyError", err)
			}
		})
	}
	for _, base := range []string{"https://sandbox.upvest.co/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		cfg := good
		cfg.BaseURL = base
		if _, err := upvest.New(cfg); err != nil {
			t.Errorf("%q: %v", base, err)
		}
	}
}

// The caller's *http.Client is used, never modified.
func TestHTTPClientNotMutated(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	used := 0
	base := &countingTransport{next: http.DefaultTransport, n: &used}
	hc := &http.Client{Transport: base, Timeout: 7 * time.Second}
	cfg := f.config()
	cfg.HTTPClient = hc
	c, err := upvest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CloseAccountGroup(context.Background(), theGroup); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != base || hc.Timeout != 7*time.Second || hc.CheckRedirect != nil || hc.Jar != nil {
		t.Fatal("the caller's client was modified")
	}
	if used != 2 { // token + call went through the caller's transport
		t.Fatalf("caller's transport used %d times, want 2", used)
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    *int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*c.n++
	return c.next.RoundTrip(r)
}

// Debug logs name method, path, status, attempt, request id and duration,
// and never a secret, token, signature or key.
func TestLoggingHasNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := 0
	var sigs []string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		sigs = append(sigs, r.Header.Get("Signature"))
		if n++; n == 1 {
			writeProblem(w, 503, "service_unavailable")
			return
		}
		writeProblem(w, 404, "not_found")
	})
	_, err := f.client(t, upvest.WithLogger(logger)).GetAccountGroup(context.Background(), theGroup)
	if !errors.Is(err, upvest.ErrNotFound) {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"method=GET", "path=/account_groups/" + groupID, "status=503", "status=404", "attempt=2", "request_id=" + requestID, "duration=", "upvest retry"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	secrets := append([]string{fakeSecret, fakeToken, string(testKeyPEM[40:80])}, sigs...)
	for _, s := range secrets {
		for _, text := range []string{out, err.Error()} {
			if s != "" && strings.Contains(text, strings.TrimSuffix(strings.TrimPrefix(s, "sig1=:"), ":")) {
				t.Fatalf("secret %q leaked in %q", s, text)
			}
		}
	}
}
