package middleware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/upvest-go/upvest/internal/fakeclock"
)

// TestTokenRequestForm: client credentials in the form, never in a header.
func TestTokenRequestForm(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ec-sec1.pem")
	if _, err := r.tokens.Token(context.Background(), "accounts:read"); err != nil {
		t.Fatal(err)
	}
	tok := r.token.all()[0]
	form, err := url.ParseQuery(string(tok.body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"grant_type": "client_credentials", "client_id": testClientID, "client_secret": testSecret, "scope": "accounts:read"}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
		}
	}
	h := tok.req.Header
	if h.Get("Authorization") != "" {
		t.Error("token request carries an authorization header")
	}
	if h.Get("Upvest-Client-Id") != testClientID || h.Get("Upvest-Api-Version") != "1" {
		t.Errorf("token request headers: %v", h)
	}
	if tok.req.Method != http.MethodPost || tok.req.URL.Path != "/auth/token" || !strings.HasPrefix(h.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("token request %s %s %s", tok.req.Method, tok.req.URL, h.Get("Content-Type"))
	}
}

// TestTokensOneFetchUnderConcurrency: 200 concurrent calls on a fresh
// token source make exactly one token request.
func TestTokensOneFetchUnderConcurrency(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	release := make(chan struct{})
	inner := r.token.respond
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		<-release // hold the fetch until every caller waits on it
		return inner(req, body)
	}
	var wg sync.WaitGroup
	var started sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			tok, err := r.tokens.Token(context.Background(), "accounts:read")
			if err == nil && tok != "token-for-accounts:read" {
				err = fmt.Errorf("token %q", tok)
			}
			errs <- err
		}()
	}
	started.Wait()
	// Release the fetch once every caller waits on it (a late caller would
	// find the cached token, so the count below holds either way; the wait
	// makes the test exercise 200 waiters of one fetch).
	waiting := func() int {
		r.tokens.mu.Lock()
		defer r.tokens.mu.Unlock()
		if e := r.tokens.entries["accounts:read"]; e != nil && e.fetch != nil {
			return e.fetch.waiters
		}
		return 0
	}
	for deadline := time.Now().Add(30 * time.Second); waiting() < 200 && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.token.all()); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
	// Another scope set is another token.
	if _, err := r.tokens.Token(context.Background(), "accounts:admin"); err != nil {
		t.Fatal(err)
	}
	if n := len(r.token.all()); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

// fakeClock is a settable clock.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestTokensRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	clock := &fakeClock{}
	clock.ns.Store(time.Now().UnixNano())
	r.tokens.Now = clock.now
	var n atomic.Int32
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		return jsonResponse(200, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":1799,"token_type":"bearer"}`, n.Add(1)))
	}
	ctx := context.Background()
	get := func() string {
		tok, err := r.tokens.Token(ctx, "accounts:read")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if got := get(); got != "tok-1" {
		t.Fatalf("first token %s", got)
	}
	clock.advance(1799*time.Second - DefaultRefreshBefore - time.Second)
	if got := get(); got != "tok-1" {
		t.Fatalf("token replaced too early: %s", got)
	}
	clock.advance(2 * time.Second) // inside the refresh margin
	if got := get(); got != "tok-2" {
		t.Fatalf("token not refreshed before expiry: %s", got)
	}
	if got := get(); got != "tok-2" {
		t.Fatalf("refreshed token not cached: %s", got)
	}
}

// A 401 for a cached token drops it and retries once with a new token and a
// new signature; a 401 for a fresh token is returned as is.
func TestUnauthorizedRetriesOnceWithNewToken(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	var n atomic.Int32
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		return jsonResponse(200, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":1799,"token_type":"bearer"}`, n.Add(1)))
	}
	revoked := "Bearer tok-1"
	r.api.respond = func(req *http.Request, body []byte) *http.Response {
		if req.Header.Get("Authorization") == revoked {
			return jsonResponse(401, `{"type":"unauthorized","status":401}`)
		}
		return jsonResponse(200, `{}`)
	}
	ctx := context.Background()
	if _, err := r.tokens.Token(ctx, "accounts:read"); err != nil { // warm the cache with tok-1
		t.Fatal(err)
	}
	resp, err := r.client.ListAccountGroups(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after refresh", resp.StatusCode)
	}
	s := r.api.all()
	if len(s) != 2 || s[1].req.Header.Get("Authorization") != "Bearer tok-2" {
		t.Fatalf("want a retry with tok-2, got %d requests", len(s))
	}
	if s[0].req.Header.Get("Signature") == s[1].req.Header.Get("Signature") {
		t.Fatal("retry reused the signature")
	}
	// Now every token is refused: one retry at most, then the 401 comes back.
	revoked = ""
	r.api.respond = func(req *http.Request, body []byte) *http.Response {
		return jsonResponse(401, `{"type":"unauthorized","status":401}`)
	}
	before := len(r.api.all())
	resp, err = r.client.ListAccountGroups(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(r.api.all())-before != 2 {
		t.Fatalf("status %d after %d requests, want 401 after 2", resp.StatusCode, len(r.api.all())-before)
	}
}

// Token failures are typed and carry no secret.
func TestTokenErrorHasNoSecret(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ed25519-pkcs8.pem")
	r.token.respond = func(req *http.Request, body []byte) *http.Response {
		return &http.Response{StatusCode: 401, Header: http.Header{"Content-Type": {"application/problem+json"}},
			Body: http.NoBody}
	}
	_, err := r.tokens.Token(context.Background(), "accounts:read")
	var te *TokenError
	var re *oauth2.RetrieveError
	if !errors.As(err, &te) || te.StatusCode != 401 {
		t.Fatalf("err = %v, want *TokenError 401", err)
	}
	if errors.As(err, &re) {
		t.Fatal("the raw answer (*oauth2.RetrieveError) is reachable from the error")
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error shows the client secret: %v", err)
	}
	// Through the transport, the error says nothing was sent.
	_, err = r.client.ListAccountGroups(context.Background(), nil)
	if !errors.Is(err, ErrNotSigned) || !errors.As(err, &te) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("err = %v", err)
	}
	if len(r.api.all()) != 0 {
		t.Fatal("an API call was sent without a token")
	}
}

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

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodPost, "https://x/account_groups", nil)
	ctx := context.Background()
	if err := IdempotencyKeyEditor("")(ctx, req); err != nil {
		t.Fatal(err)
	}
	k := req.Header.Get("Idempotency-Key")
	if !isIdempotencyKey(k) || len(k) != 36 || k[14] != '4' || !strings.ContainsRune("89ab", rune(k[19])) {
		t.Fatalf("generated key %q is not a UUID v4", k)
	}
	if k2 := NewIdempotencyKey(); k2 == k {
		t.Fatal("keys repeat")
	}
	for _, bad := range []string{"nope", "f1150421-2e34-42b6-aae9-52ef157065b", "f1150421x2e34-42b6-aae9-52ef157065b9", "g1150421-2e34-42b6-aae9-52ef157065b9"} {
		if err := IdempotencyKeyEditor(bad)(ctx, req); !errors.Is(err, ErrInvalidIdempotencyKey) {
			t.Errorf("key %q accepted", bad)
		}
	}
	if err := IdempotencyKeyEditor(testIdemKey)(ctx, req); err != nil || req.Header.Get("Idempotency-Key") != testIdemKey {
		t.Fatalf("given key not used: %v", err)
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
