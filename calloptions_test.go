package upvest_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// TestPerCallTimeoutAndRetryPolicy: a call's own attempt timeout and retry
// policy replace the client's for that call only.
func TestPerCallTimeoutAndRetryPolicy(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if strings.Contains(r.URL.Path, groupID) {
			<-r.Context().Done() // stalls until the client gives up
			return
		}
		writeProblem(w, 503, "service_unavailable")
	})
	c := f.client(t, upvest.WithTimeout(30*time.Second), upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond}))
	ctx := context.Background()
	// Fetch the token first, so the 50 ms attempts below time out on the
	// stalled answer, not on a token fetch slowed by a loaded machine.
	_, _ = c.ListAccountGroups(ctx, nil, upvest.WithCallRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	var info upvest.ResponseInfo
	_, err := c.GetAccountGroup(ctx, theGroup, upvest.WithAttemptTimeout(50*time.Millisecond),
		upvest.WithCallRetryPolicy(upvest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}), upvest.WithResponseInfo(&info))
	if !errors.Is(err, context.DeadlineExceeded) || info.Attempts != 2 {
		t.Fatalf("err = %v after %d attempts, want the 50 ms attempt timeout twice", err, info.Attempts)
	}
	n.Store(0)
	if _, err := c.ListAccountGroups(ctx, nil, upvest.WithCallRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1})); !errors.Is(err, upvest.ErrServer) || n.Load() != 1 {
		t.Fatalf("err = %v after %d attempts, want one", err, n.Load())
	}
	n.Store(0)
	if _, err := c.ListAccountGroups(ctx, nil); !errors.Is(err, upvest.ErrServer) || n.Load() != 4 {
		t.Fatalf("the client's own policy: %d attempts, want 4", n.Load())
	}
}

// TestResponseInfo: WithResponseInfo reports status, headers, request id,
// attempts and idempotency key, on success and on failure.
func TestResponseInfo(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeProblem(w, 503, "service_unavailable")
			return
		}
		if r.Method == http.MethodDelete {
			writeProblem(w, 404, "not_found")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Extra", "yes")
		io.WriteString(w, groupJSON)
	})
	c := f.client(t)
	var info upvest.ResponseInfo
	if _, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal, upvest.WithResponseInfo(&info)); err != nil {
		t.Fatal(err)
	}
	sent := f.requests()[0].header.Get("Idempotency-Key")
	if info.StatusCode != 200 || info.RequestID != requestID || info.Header.Get("X-Extra") != "yes" || info.Attempts != 2 || info.IdempotencyKey != sent || sent == "" {
		t.Fatalf("info %+v", info)
	}
	var failed upvest.ResponseInfo
	err := c.CloseAccountGroup(context.Background(), theGroup, upvest.WithResponseInfo(&failed))
	if !errors.Is(err, upvest.ErrNotFound) || failed.StatusCode != 404 || failed.RequestID != requestID || failed.Attempts != 1 || failed.IdempotencyKey != "" {
		t.Fatalf("err %v, info %+v", err, failed)
	}
}

// TestResponseInfoOfIterators: the info is the last page's.
func TestResponseInfoOfIterators(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{})
	user := sb.NewUser()
	for i := 0; i < 5; i++ {
		if _, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal); err != nil {
			t.Fatal(err)
		}
	}
	var info upvest.ResponseInfo
	seen := 0
	for _, err := range c.AllUserAccountGroups(context.Background(), user, &upvest.ListParams{Limit: 2}, upvest.WithResponseInfo(&info)) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
	}
	if seen != 5 || info.StatusCode != 200 || info.RequestID == "" || info.Attempts != 1 {
		t.Fatalf("%d groups, info %+v", seen, info)
	}
}

// TestCallOptionMisuse: an option that makes no sense for the call is an
// ErrInvalidArgument, and nothing is sent.
func TestCallOptionMisuse(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	c := f.client(t)
	ctx := context.Background()
	key := upvest.WithIdempotencyKey("f1150421-2e34-42b6-aae9-52ef157065b9")
	ref := upvest.WithIdempotencyReference("order-1")
	tests := map[string]func() error{
		"key on a get":        func() error { _, err := c.GetAccountGroup(ctx, theGroup, key); return err },
		"reference on a list": func() error { _, err := c.ListAccountGroups(ctx, nil, ref); return err },
		"key on a user list":  func() error { _, err := c.ListUserAccountGroups(ctx, theUser, nil, key); return err },
		"key on a close":      func() error { return c.CloseAccountGroup(ctx, theGroup, key) },
		"nil response info":   func() error { _, err := c.GetAccountGroup(ctx, theGroup, upvest.WithResponseInfo(nil)); return err },
		"zero call timeout":   func() error { _, err := c.GetAccountGroup(ctx, theGroup, upvest.WithAttemptTimeout(0)); return err },
		"key on an iterator": func() error {
			for _, err := range c.AllAccountGroups(ctx, nil, key) {
				return err
			}
			return nil
		},
	}
	for name, call := range tests {
		if err := call(); !errors.Is(err, upvest.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if n.Load() != 0 {
		t.Fatalf("%d requests sent", n.Load())
	}
}

// TestNewNamesEveryMissingField: one error naming every missing field, in
// a fixed order.
func TestNewNamesEveryMissingField(t *testing.T) {
	t.Parallel()
	for i := 0; i < 20; i++ { // the order must not vary (map iteration would)
		_, err := upvest.New(upvest.Config{})
		if !errors.Is(err, upvest.ErrConfig) || !strings.HasSuffix(err.Error(), ": BaseURL (SandboxURL or LiveURL), ClientID, ClientSecret, KeyID and PrivateKeyPEM (or Signer) are required") {
			t.Fatalf("err = %v", err)
		}
	}
	_, err := upvest.New(upvest.Config{ClientID: "c", KeyID: "k"})
	if err == nil || !strings.HasSuffix(err.Error(), "ClientSecret and PrivateKeyPEM (or Signer) are required") {
		t.Fatalf("err = %v", err)
	}
}

// TestShortCallTimeoutOutlastsASlowTokenFetch: an attempt that runs out of
// time waiting for the token fetch is retried, and the call succeeds once a
// token is there.
func TestShortCallTimeoutOutlastsASlowTokenFetch(t *testing.T) {
	t.Parallel()
	// The token endpoint answers only once an attempt has timed out
	// waiting for it: an event, whatever the machine's speed.
	timedOut := make(chan struct{})
	var once sync.Once
	logger := slog.New(handlerFunc(func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" && a.Value.String() == "timeout" {
				once.Do(func() { close(timedOut) })
			}
			return true
		})
	}))
	var fetches atomic.Int32
	f := newFakeWithToken(t, func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) == 1 {
			select {
			case <-timedOut:
			case <-time.After(time.Minute): // a failsafe: the test fails below
			}
		}
		tokenOK(w, r)
	}, nil)
	c, err := upvest.New(upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM},
		upvest.WithLogger(logger), upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 6, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	var info upvest.ResponseInfo
	if _, err := c.GetAccountGroup(context.Background(), theGroup, upvest.WithAttemptTimeout(time.Second), upvest.WithResponseInfo(&info)); err != nil {
		t.Fatalf("err = %v", err)
	}
	if info.Attempts < 2 {
		t.Fatalf("%d attempts: the first should have timed out waiting for the token", info.Attempts)
	}
}

// handlerFunc is a slog.Handler calling f with every record.
type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }
