package upvest_test

import (
	"github.com/google/uuid"

	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// ownTransport gives a test its own connection pool, closed at the end, so
// goleak sees every goroutine the client started gone.
func ownTransport(t *testing.T) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// 100 creates while ~30 % of calls get 429/503 before any effect and 30 %
// of create answers are lost after the commit: every create succeeds and
// exactly 100 groups exist.
func TestCreatesUnderFaults(t *testing.T) {
	t.Parallel()
	c, sb := startSandbox(t, sandbox.Config{}, sandbox.P521,
		upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 12, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	user := sb.NewUser()
	// 0.15 + 0.85·0.1765 = 30 % of calls refused before any effect.
	sb.SetFaults(sandbox.Faults{Seed: 2026, RateLimited: 0.15, ServerErrors: 0.1765, ServerErrorStatuses: []int{503}, LostAnswers: 0.3})
	ids := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			ids[g.ID.String()] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ids) != 100 || len(sb.AccountGroups()) != 100 {
		t.Fatalf("%d distinct groups returned, %d exist; want 100 and 100", len(ids), len(sb.AccountGroups()))
	}
}

// hostile answers: each gives a typed error with the status and request id
// where known, no panic, and no goroutine left behind.
func TestHostileServers(t *testing.T) {
	type want struct {
		status   int
		response bool // a *ResponseError (inside or alone)
		call     bool // a *CallError: no answer at all
	}
	tests := []struct {
		name   string
		handle http.HandlerFunc
		want   want
	}{
		{"HTML 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><h1>502 Bad Gateway</h1></html>")
		}, want{status: 502, response: true}},
		{"JSON truncated mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(groupJSON)))
			io.WriteString(w, groupJSON[:50])
			// the handler returns: the connection is closed short of the length
		}, want{status: 200, response: true}},
		{"body over the size limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"pad":"`+strings.Repeat("x", 64<<10)+`"}`)
		}, want{status: 200, response: true}},
		{"stalls mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, groupJSON[:20])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, want{status: 200, response: true}},
		{"status the document does not list", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(203)
			io.WriteString(w, groupJSON)
		}, want{status: 203, response: true}},
		{"valid status, body without the id", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status":"ACTIVE","type":"PERSONAL"}`)
		}, want{status: 200, response: true}},
		{"connections closed at once", func(w http.ResponseWriter, r *http.Request) {
			hangUp(w)
		}, want{call: true}},
	}
	// Checked once every case and its cleanups are done; goroutines that
	// were there before (other tests' idle connections) are not this
	// test's. Each case runs in parallel with the others, none with
	// another test: this test is not parallel, and parallel tests start
	// only after every sequential one has ended.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.handle)
			cfg := f.config()
			cfg.HTTPClient = ownTransport(t)
			c, err := upvest.New(cfg, upvest.WithTimeout(time.Second), upvest.WithMaxResponseBytes(32<<10),
				upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetAccountGroup(context.Background(), theGroup)
			var respErr *upvest.ResponseError
			var callErr *upvest.CallError
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.want.response:
				if !errors.As(err, &respErr) || respErr.StatusCode != tt.want.status || respErr.RequestID != requestID {
					t.Fatalf("err = %v, want *ResponseError with status %d and the request id", err, tt.want.status)
				}
			case tt.want.call:
				if !errors.As(err, &callErr) {
					t.Fatalf("err = %T %v, want *CallError", err, err)
				}
			}
			// Failures to get a whole answer are retried (net/http may add
			// its own retry of a GET on a reused connection); answers that
			// arrived whole but wrong are not.
			retried := !strings.Contains(tt.name, "without the id") && !strings.Contains(tt.name, "does not list") && !strings.Contains(tt.name, "size limit")
			if n := len(f.requests()); (retried && n < 2) || (!retried && n != 1) {
				t.Fatalf("%d attempts, retried=%v", n, retried)
			}
		})
	}
}

// Connections closed at random: calls either succeed or fail typed, and
// retries carry most of them through.
func TestRandomlyClosedConnections(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		drop := rng.Float64() < 0.4
		mu.Unlock()
		if drop {
			hangUp(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	cfg := f.config()
	cfg.HTTPClient = ownTransport(t)
	c, err := upvest.New(cfg, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i := 0; i < 50; i++ {
		_, err := c.GetAccountGroup(context.Background(), theGroup)
		var callErr *upvest.CallError
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &callErr):
			t.Fatalf("untyped failure %T: %v", err, err)
		}
	}
	if ok < 45 {
		t.Fatalf("only %d of 50 calls got through", ok)
	}
}

// 64 goroutines share one client, mixed operations, while tokens are revoked
// and expire mid-run. Ed25519 keeps the signing cheap enough under -race
// that no request waits longer than a token lives.
func TestSharedClientUnderConcurrency(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("long test (a 3.5 s soak spanning a token refresh): make test-long runs it")
	}
	c, sb := startSandbox(t, sandbox.Config{TokenTTL: 3 * time.Second}, sandbox.Ed25519, fastRetries)
	users := []uuid.UUID{sb.NewUser(), sb.NewUser(), sb.NewUser()}
	ctx := context.Background()
	var wg sync.WaitGroup
	var failures atomic.Int32
	stop := time.Now().Add(3500 * time.Millisecond) // spans a token refresh
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := users[g%len(users)]
			for i := 0; time.Now().Before(stop) || i < 3; i++ {
				var err error
				switch i % 4 {
				case 0:
					var ag *upvest.AccountGroup
					if ag, err = c.CreateAccountGroup(ctx, user, upvest.TypePersonal); err == nil {
						_, err = c.GetAccountGroup(ctx, ag.ID)
					}
				case 1:
					_, err = c.ListUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 5})
				case 2:
					_, err = c.ListAccountGroups(ctx, &upvest.ListParams{Limit: 3, Order: upvest.Descending})
				case 3:
					page, lerr := c.ListUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 1})
					if err = lerr; err == nil && len(page.Data) > 0 {
						if cerr := c.CloseAccountGroup(ctx, page.Data[0].ID); cerr != nil && !errors.Is(cerr, upvest.ErrConflict) {
							err = cerr
						}
					}
				}
				if err != nil {
					failures.Add(1)
					t.Error(err)
					return
				}
			}
		}()
	}
	// Revoked mid-run: once a first round of calls got through, whatever
	// the machine's speed.
	waitFor(t, "64 groups created", func() bool { return len(sb.AccountGroups()) >= 64 })
	sb.RevokeTokens() // every cached token now gets 401: each is refreshed once
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d goroutines failed", failures.Load())
	}
}

// Secrets never leak: with a debug logger and failing servers, no log line,
// error string or panic message holds the client secret, a bearer token, a
// signature or key bytes.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var seenMu sync.Mutex
	var secrets []string
	remember := func(r *http.Request) {
		seenMu.Lock()
		defer seenMu.Unlock()
		for _, h := range []string{"Authorization", "Signature"} {
			if v := r.Header.Get(h); v != "" {
				secrets = append(secrets, strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(v, "sig1=:"), ":"), "Bearer "))
			}
		}
	}
	var errs []string
	scenarios := map[string]http.HandlerFunc{
		"token endpoint echoes the form": nil, // handled below
		"problem echoing headers": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			writeProblem(w, 500, "internal_server_error")
		},
		"dropped connections": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			hangUp(w)
		},
		"HTML error": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			w.WriteHeader(403)
			io.WriteString(w, "<html>forbidden</html>")
		},
	}
	for name, handle := range scenarios {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			remember(r)
			if r.URL.Path == "/auth/token" {
				if handle == nil { // a hostile token endpoint echoing what it got
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(400)
					fmt.Fprintf(w, `{"error":"invalid_request","error_description":%q}`, string(body))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"access_token":"`+fakeToken+`","expires_in":1799,"token_type":"bearer"}`)
				return
			}
			handle(w, r)
		}))
		c, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM},
			upvest.WithLogger(logger), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		func() {
			defer func() {
				if p := recover(); p != nil {
					errs = append(errs, fmt.Sprint(p))
				}
			}()
			_, _ = c.GetAccountGroup(context.Background(), theGroup)
		}()
		srv.Close()
	}
	secrets = append(secrets, fakeSecret, fakeToken, string(testKeyPEM[30:90]))
	haystack := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(haystack, "upvest request") || !strings.Contains(haystack, "invalid_request") {
		t.Fatalf("the scenarios did not run:\n%s", haystack)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(haystack, s) {
			t.Errorf("secret %.6s… appears in logs or errors", s)
		}
	}
}
