package middleware

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/internal/fakeclock"
)

func TestTokenWaitRespectsContext(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	release := make(chan struct{})
	defer close(release)
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		<-release
		return jsonResponse(200, `{"access_token":"x","expires_in":60,"token_type":"bearer"}`)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.tokens.Token(ctx, "accounts:read"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestLaterCallNotStuckBehindAbandonedFetch: a token fetch that hangs and
// whose callers all gave up is abandoned: a later call starts its own fetch
// instead of waiting on the hung one, which ends at its FetchTimeout.
func TestLaterCallNotStuckBehindAbandonedFetch(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	r.tokens.FetchTimeout = 2 * time.Second
	inner := r.token.respond
	var calls atomic.Int32
	ended := make(chan struct{})
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		if calls.Add(1) == 1 {
			<-req.Context().Done() // hangs until its FetchTimeout
			close(ended)
			return jsonResponse(503, `{}`)
		}
		return inner(req, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.tokens.Token(ctx, "accounts:read"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first caller: err = %v, want its deadline", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	tok, err := r.tokens.Token(ctx2, "accounts:read")
	if err != nil || tok == "" {
		t.Fatalf("later caller stuck behind the hung fetch: %q, %v", tok, err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d token requests, want 2", calls.Load())
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second): // a failsafe, not a measurement
		t.Fatal("the abandoned request did not end at its FetchTimeout")
	}
	if calls.Load() != 2 {
		t.Fatalf("the abandoned fetch was retried: %d token requests", calls.Load())
	}
}

// TestAbandonedFetchRemembersItsFailure: when every caller gives up while
// the shared fetch waits out a Retry-After, the failure is remembered for
// that wait (later callers get it without a request), and the callers that
// gave up see it beside their context's error.
func TestAbandonedFetchRemembersItsFailure(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	var calls atomic.Int32
	r.token.respond = func(*http.Request, []byte) *http.Response {
		calls.Add(1)
		resp := jsonResponse(429, `{"error":"slow_down"}`)
		resp.Header.Set("Retry-After", "2")
		return resp
	}
	for i := 0; i < 4; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := r.tokens.Token(ctx, "accounts:read")
		cancel()
		var te *TokenError
		if !errors.As(err, &te) || te.StatusCode != 429 {
			t.Fatalf("call %d: err = %v, want the 429 *TokenError", i, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d token requests within a 2 s Retry-After, want 1", n)
	}
}

// TestSlowTokenAnswerDoesNotOutliveItsToken: the token may have been
// issued as early as its request's start, so a slow answer cannot make
// the cached token outlive its server-side expiry: a 1 s token answered
// after 300 ms is replaced within 0.7 s of the request's start.
func TestSlowTokenAnswerDoesNotOutliveItsToken(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	clock := fakeclock.New()
	r.tokens.Now = clock.Now
	inner := r.token.respond
	var requests atomic.Int32
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		requests.Add(1)
		time.Sleep(300 * time.Millisecond) // the slow answer under test (x/oauth2 dates Expiry by the wall clock)
		resp := inner(req, body)
		resp.Body = io.NopCloser(strings.NewReader(`{"access_token":"t` + strconv.Itoa(int(requests.Load())) + `","expires_in":1,"token_type":"bearer"}`))
		return resp
	}
	if _, err := r.tokens.Token(context.Background(), "accounts:read"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(700 * time.Millisecond) // the server-side expiry, had the token been issued at the request's start
	if _, err := r.tokens.Token(context.Background(), "accounts:read"); err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 2 {
		t.Fatalf("%d token requests: the first token was still used when it may have expired at the server", n)
	}
}
