package upvest_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// A create whose connection drops after the server may have committed is
// retried with the same idempotency key and a new signature; the sandbox
// then replays the original answer, so one group exists.
func TestCreateRetriedAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	f := newFake(t, lostThenGroup())
	g, err := f.client(t).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID.String() != groupID {
		t.Fatalf("group %s", g.ID)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	k0, k1 := reqs[0].header.Get("Idempotency-Key"), reqs[1].header.Get("Idempotency-Key")
	if k0 == "" || k0 != k1 {
		t.Fatalf("idempotency keys %q, %q: want one key for both attempts", k0, k1)
	}
	if reqs[0].header.Get("Signature") == reqs[1].header.Get("Signature") || reqs[0].header.Get("Signature-Input") == reqs[1].header.Get("Signature-Input") {
		t.Fatal("the retry reused the signature")
	}
	if string(reqs[0].body) != string(reqs[1].body) {
		t.Fatal("the retry sent another body")
	}

	// The same against the sandbox: lost answers after commit, no duplicate.
	c, sb := newSandbox(t, sandbox.Config{Faults: sandbox.Faults{Seed: 7, LostAnswers: 0.5}})
	user := sb.NewUser()
	for i := 0; i < 10; i++ {
		if _, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(sb.AccountGroups()); got != 10 {
		t.Fatalf("%d groups after 10 creates with lost answers, want 10", got)
	}
}

func TestNeverRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 403, 404, 409, 422} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, status, "x") })
			_, err := f.client(t).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
			if !errors.As(err, new(*upvest.APIError)) || len(f.requests()) != 1 {
				t.Fatalf("%v after %d attempts, want 1", err, len(f.requests()))
			}
		})
	}
	// 401: once more with a new token (the middleware's refresh), no more.
	var ok atomic.Bool
	ok.Store(true)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if ok.Load() {
			w.WriteHeader(202)
			return
		}
		writeProblem(w, 401, "unauthorized")
	})
	c := f.client(t)
	if err := c.CloseAccountGroup(context.Background(), theGroup); err != nil {
		t.Fatal(err)
	}
	ok.Store(false)
	err := c.CloseAccountGroup(context.Background(), theGroup)
	if !errors.Is(err, upvest.ErrUnauthorized) || len(f.requests()) != 3 || f.tokenCount() != 2 {
		t.Fatalf("%v: %d requests, %d tokens; want 3 and 2", err, len(f.requests()), f.tokenCount())
	}
}

func TestRetriedStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var n atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) < 3 {
					writeProblem(w, status, "x")
					return
				}
				w.WriteHeader(202)
			})
			if err := f.client(t).CloseAccountGroup(context.Background(), theGroup); err != nil || n.Load() != 3 {
				t.Fatalf("%v after %d attempts", err, n.Load())
			}
		})
	}
}

// Cancelling the context stops a retry loop at once, during a back-off wait
// or during a request, with the context's error.
func TestContextCancellationStopsRetries(t *testing.T) {
	t.Parallel()
	t.Run("during back-off", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			writeProblem(w, 503, "service_unavailable")
		})
		c := f.client(t, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxRetryAfter: time.Hour, Budget: 2 * time.Hour}))
		cancelAfterFirstRequest(t, f, func(ctx context.Context) error { _, err := c.GetAccountGroup(ctx, theGroup); return err })
	})
	t.Run("during a request", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := f.client(t)
		cancelAfterFirstRequest(t, f, func(ctx context.Context) error { _, err := c.ListAccountGroups(ctx, nil); return err })
	})
}

// cancelAfterFirstRequest runs call, cancels its context once f has seen a
// request, and checks that call returns the context's error at once.
func cancelAfterFirstRequest(t *testing.T, f *fake, call func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- call(ctx) }()
	waitFor(t, "a request reaching the server", func() bool { return len(f.requests()) > 0 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second): // a bound on a wait that would otherwise last an hour
		t.Fatal("the call ignored the cancelled context")
	}
}

// A stalled answer is cut by the per-attempt timeout and retried.
func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			w.Write([]byte(groupJSON[:30]))
			w.(http.Flusher).Flush()
			<-r.Context().Done() // stall mid-body
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(groupJSON))
	})
	// The timeout stands for "the answer stalled": generous, so a loaded
	// machine's slow attempt is not cut too (it would only add attempts).
	g, err := f.client(t, upvest.WithTimeout(2*time.Second)).GetAccountGroup(context.Background(), theGroup)
	if err != nil || g.ID.String() != groupID || n.Load() < 2 {
		t.Fatalf("%v after %d attempts, want the stalled one cut and retried", err, n.Load())
	}
}
