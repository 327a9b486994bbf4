package upvest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/middleware"
)

// TestTokenFailureIsShared: with the token endpoint answering 503, any
// number of concurrent callers cause at most one token request per retry
// round, MaxAttempts in all, and each gets a typed error.
func TestTokenFailureIsShared(t *testing.T) {
	t.Parallel()
	for _, callers := range []int{64, 1000} {
		t.Run(fmt.Sprint(callers), func(t *testing.T) {
			if callers > 64 && testing.Short() {
				t.Skip("long test (1,000 callers): make test-long runs it")
			}
			var started sync.WaitGroup
			started.Add(callers)
			allIn := make(chan struct{})
			f := newFakeWithToken(t, func(w http.ResponseWriter, r *http.Request) {
				<-allIn // the first answer waits until every caller has asked
				writeProblem(w, 503, "service_unavailable")
			}, nil)
			cfg := upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM}
			// The clock moves only when the client waits, so the failure's
			// hold-off cannot run out before "a call right after", however
			// long a loaded machine takes to run the callers.
			clock := fakeclock.New()
			c, err := upvest.New(cfg, upvest.WithClock(clock),
				upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 4, BaseDelay: 20 * time.Millisecond, MaxDelay: time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var typed atomic.Int32
			for i := 0; i < callers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					started.Done()
					_, err := c.GetAccountGroup(context.Background(), theGroup)
					var te *middleware.TokenError
					if errors.As(err, &te) && te.StatusCode == 503 && errors.Is(err, upvest.ErrServer) {
						typed.Add(1)
					} else {
						t.Errorf("err = %v, want a *middleware.TokenError with 503", err)
					}
				}()
			}
			// Callers still arriving when the first answer goes out join a
			// later round of the same fetch or meet its remembered failure.
			started.Wait()
			close(allIn)
			wg.Wait()
			if n := f.tokenCount(); n < 1 || n > 4 {
				t.Fatalf("%d callers sent %d token requests, want 1 to 4 (MaxAttempts)", callers, n)
			}
			if typed.Load() != int32(callers) {
				t.Fatalf("%d of %d errors typed", typed.Load(), callers)
			}
			// The failure is remembered for its back-off: a call right after
			// sends no token request.
			before := f.tokenCount()
			if _, err := c.GetAccountGroup(context.Background(), theGroup); err == nil || f.tokenCount() != before {
				t.Fatalf("err = %v, %d token requests", err, f.tokenCount()-before)
			}
		})
	}
}

// TestTokenRetryAfterHonoured: a Retry-After from the token endpoint is
// waited out before the next token request.
func TestTokenRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	f := newFakeWithToken(t, func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, 429, "too_many_requests")
			return
		}
		tokenOK(w, r)
	}, nil)
	clock := fakeclock.New()
	c, err := upvest.New(upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM},
		upvest.WithClock(clock), upvest.WithRetryPolicy(upvest.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAccountGroup(context.Background(), theGroup); err != nil {
		t.Fatal(err)
	}
	if n, waits := requests.Load(), clock.Waits(); n != 2 || len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("%d token requests with waits %v between them; want 2, 1 s apart (the Retry-After)", n, waits)
	}
}

// TestTokenErrorIsTypedAndOneLine: a refused token exchange reaches the
// caller as its operation's error, one line, with the token endpoint's
// status, problem type, request id and Retry-After; a wrong secret and an
// expired token stay distinguishable.
func TestTokenErrorIsTypedAndOneLine(t *testing.T) {
	t.Parallel()
	f := newFakeWithToken(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.Header().Set("Upvest-Request-Id", requestID)
		writeProblem(w, 429, "too_many_requests")
	}, nil)
	once := upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1})
	c, _ := upvest.New(upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM}, once)
	_, err := c.GetAccountGroup(context.Background(), theGroup)
	var te *middleware.TokenError
	if !errors.As(err, &te) || te.StatusCode != 429 || te.Type != "too_many_requests" || te.RequestID != requestID || te.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v (%+v), want *middleware.TokenError 429 too_many_requests with request id and Retry-After", err, te)
	}
	if !errors.Is(err, upvest.ErrRateLimited) {
		t.Fatalf("errors.Is(err, ErrRateLimited) is false: %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") || !strings.Contains(msg, "GET /account_groups/"+groupID) || !strings.Contains(msg, "429") || !strings.Contains(msg, requestID) {
		t.Fatalf("message %q: want one line naming the call, the status and the request id", msg)
	}

	// A wrong secret: the token endpoint refuses (a *TokenError, 401).
	f = newFakeWithToken(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"invalid_client","error_description":"Bad client credentials"}`)
	}, nil)
	c, _ = upvest.New(upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM}, once)
	_, wrong := c.GetAccountGroup(context.Background(), theGroup)
	// An expired token: the API refuses it twice (an *APIError, 401).
	f = newFakeWithToken(t, tokenOK, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 401, "unauthorized") })
	c, _ = upvest.New(upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM}, once)
	_, expired := c.GetAccountGroup(context.Background(), theGroup)
	var apiErr *upvest.APIError
	switch {
	case !errors.Is(wrong, upvest.ErrUnauthorized) || !errors.As(wrong, &te) || te.StatusCode != 401 || te.Type != "invalid_client":
		t.Fatalf("wrong secret: %v", wrong)
	case !errors.Is(expired, upvest.ErrUnauthorized) || errors.As(expired, &te) || !errors.As(expired, &apiErr):
		t.Fatalf("expired token: %v", expired)
	case errors.As(wrong, &apiErr):
		t.Fatalf("a wrong secret looks like the API's 401: %v", wrong)
	}
}
