package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/upvest-go/upvest/internal/clock"
	"github.com/upvest-go/upvest/internal/httpsig"
)

// DefaultRefreshBefore is how long before expiry a cached token is replaced
// when Tokens.RefreshBefore is zero. For short-lived tokens the margin is at
// most a fifth of the lifetime.
const DefaultRefreshBefore = time.Minute

// DefaultTokenFetchTimeout bounds each token request when
// Tokens.FetchTimeout is zero.
const DefaultTokenFetchTimeout = 30 * time.Second

// Tokens fetches and caches OAuth2 client-credentials tokens, one per scope
// set, from Upvest's token endpoint. The secret travels in the form body,
// never in a header.
//
// The endpoint is treated gently. Concurrent callers needing the same
// scopes share one fetch, its failure included: a fetch retries a failed
// exchange itself (connection failures, 429 and 5xx; up to
// Retry.MaxAttempts token requests with Retry's jittered exponential
// waits, or the endpoint's Retry-After), so any number of callers cause at
// most one token request per round. A fetch that failed is remembered for
// as long as the next wait could have been (Retry.Ceiling of the next
// retry; or the Retry-After, capped): callers arriving meanwhile get
// the same *TokenError without a request. A fetch runs detached from any
// one caller's context and values; when every caller waiting on it has
// given up, it is abandoned: the next caller starts afresh, not stuck
// behind a request that may hang. An abandoned request in flight finishes
// (bounded by FetchTimeout) and a token it gets is cached; an abandoned
// fetch waiting out a failure stops, and the failure is remembered until
// that wait would have ended (the callers that gave up get it beside their
// context's error).
// A cached token is replaced shortly before it expires.
//
// Set the exported fields before first use and do not change them after;
// a Tokens is then safe for concurrent use. TokenURL, ClientID,
// ClientSecret and HTTPClient are required; the other fields' zero values
// mean the defaults each one names. Printed in any way it shows no secret.
type Tokens struct {
	// TokenURL is the token endpoint, <base>/auth/token.
	TokenURL string
	// ClientID and ClientSecret are the tenant's credentials.
	ClientID     string
	ClientSecret string
	// HTTPClient sends token requests. It must sign them: use a client whose
	// transport is a Transport with no Tokens.
	HTTPClient *http.Client
	// RefreshBefore is how long before expiry a token is replaced; zero
	// means DefaultRefreshBefore.
	RefreshBefore time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits out the pauses between the token requests of a fetch:
	// d, or until done closes, reporting whether it waited fully. nil
	// means a real timer. Tests give a clock that moves Now on instead.
	Sleep func(done <-chan struct{}, d time.Duration) bool
	// Retry shapes a fetch: at most Retry.MaxAttempts token requests,
	// waiting Retry.Backoff between them, or the endpoint's Retry-After
	// capped at Retry.MaxRetryAfter. Its zero fields take
	// DefaultRetryPolicy's values; Retry.Budget is not used.
	Retry RetryPolicy
	// FetchTimeout bounds each token request; zero means
	// DefaultTokenFetchTimeout.
	FetchTimeout time.Duration
	// Telemetry, when set up, traces and counts token fetches.
	Telemetry Telemetry
	// Logger logs each token request at debug level (method, path,
	// scopes, status, attempt, request id, duration; never the secret or
	// the token); nil logs nothing.
	Logger *slog.Logger

	mu      sync.Mutex
	entries map[string]*tokenEntry
}

// tokenEntry is the state of one scope set.
type tokenEntry struct {
	token     string
	bearer    []string // the authorization header value, "Bearer <token>"
	refreshAt time.Time
	fetch     *tokenFetch // in flight, or nil
	failed    *TokenError // the last fetch's failure, remembered until retryAt
	retryAt   time.Time
}

// tokenFetch is one fetch that concurrent callers share.
type tokenFetch struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // callers waiting; guarded by Tokens.mu
	token   string
	bearer  []string
	err     error
	// last is the fetch's latest failure and waitEnd the end of the wait
	// it started, while the fetch retries; guarded by Tokens.mu.
	last    *TokenError
	waitEnd time.Time
}

// ErrTokensConfig reports a Tokens without its required fields.
var ErrTokensConfig = errors.New("middleware: Tokens needs TokenURL, ClientID, ClientSecret and HTTPClient")

func (t *Tokens) now() time.Time { return httpsig.Now(t.Now) }

func (t *Tokens) sleep(done <-chan struct{}, d time.Duration) bool {
	if t.Sleep != nil {
		return t.Sleep(done, d)
	}
	return clock.Sleep(done, d)
}

// Token returns a valid access token for scopes (cached, or fetched once for
// all concurrent callers). A failed fetch is a *TokenError.
func (t *Tokens) Token(ctx context.Context, scopes ...string) (string, error) {
	tok, _, err := t.bearer(ctx, scopes, strings.Join(scopes, " "))
	return tok, err
}

// bearer is Token with the cache key (the scopes joined by single spaces)
// already made; it also returns the authorization header's value, made
// once per token.
func (t *Tokens) bearer(ctx context.Context, scopes []string, key string) (string, []string, error) {
	t.mu.Lock()
	if t.entries == nil {
		t.entries = make(map[string]*tokenEntry)
	}
	e := t.entries[key]
	if e == nil {
		e = &tokenEntry{}
		t.entries[key] = e
	}
	now := t.now()
	if e.token != "" && now.Before(e.refreshAt) {
		tok, bearer := e.token, e.bearer
		t.mu.Unlock()
		return tok, bearer, nil
	}
	f := e.fetch
	if f == nil {
		if e.failed != nil && now.Before(e.retryAt) {
			err := e.failed
			t.mu.Unlock()
			return "", nil, err
		}
		// Detached from every caller: their cancellation and their values
		// (traces of their own attempt) do not reach the shared fetch.
		fctx, cancel := context.WithCancel(context.Background())
		f = &tokenFetch{done: make(chan struct{}), cancel: cancel}
		e.fetch = f
		go t.run(fctx, trace.SpanContextFromContext(ctx), scopes, e, f)
	}
	f.waiters++
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.bearer, f.err
	case <-ctx.Done():
		t.mu.Lock()
		last := f.last
		if f.waiters--; f.waiters == 0 && e.fetch == f {
			// Abandoned: the next caller starts afresh. A fetch waiting
			// out a failure's back-off or Retry-After stops, and the
			// failure is remembered until that wait ends; a token request
			// in flight goes on (bounded by FetchTimeout) and a token it
			// gets is cached, but it is not retried.
			e.fetch = nil
			if last != nil && t.now().Before(f.waitEnd) {
				f.cancel()
				e.failed, e.retryAt = last, f.waitEnd
			}
		}
		t.mu.Unlock()
		if last != nil {
			return "", nil, fmt.Errorf("%w; the token endpoint last answered: %w", ctx.Err(), last)
		}
		return "", nil, ctx.Err()
	}
}

// Invalidate drops the cached token for scopes if it is still token, so the
// next call fetches a new one: for a token the server refused as expired or
// revoked.
func (t *Tokens) Invalidate(token string, scopes ...string) {
	t.invalidate(strings.Join(scopes, " "), token)
}

func (t *Tokens) invalidate(key, token string) {
	t.mu.Lock()
	if e := t.entries[key]; e != nil && e.token == token {
		e.token = ""
	}
	t.mu.Unlock()
}

// run is one fetch: token requests until one succeeds, one fails for good,
// Retry.MaxAttempts are spent, or every caller has given up (ctx is
// cancelled).
func (t *Tokens) run(ctx context.Context, parent trace.SpanContext, scopes []string, e *tokenEntry, f *tokenFetch) {
	defer f.cancel()
	defer close(f.done)
	ctx, span := t.Telemetry.startFetch(ctx, parent, scopes)
	outcome := "success"
	var failure *TokenError
	defer func() { t.Telemetry.endFetch(ctx, span, outcome, failure) }()
	if t.TokenURL == "" || t.ClientID == "" || t.ClientSecret == "" || t.HTTPClient == nil {
		outcome = "failure"
		t.fail(e, f, &TokenError{Scopes: scopes, Err: ErrTokensConfig}, 0)
		return
	}
	attempts := t.Retry.WithDefaults().MaxAttempts
	for n := 1; ; n++ {
		// x/oauth2 dates Expiry by the wall clock, so the lifetime is
		// measured on it too; refreshAt is then set on t's clock.
		start := time.Now()
		tok, err := t.exchange(ctx, scopes)
		var te *TokenError
		if err != nil && ctx.Err() == nil {
			te = t.tokenError(scopes, err)
		}
		t.logRequest(ctx, scopes, n, start, err, te)
		if err == nil {
			t.succeed(e, f, tok, start)
			return
		}
		if ctx.Err() != nil { // abandoned: nothing to remember
			outcome = "abandoned"
			t.fail(e, f, &TokenError{Scopes: scopes, Err: ctx.Err()}, -1)
			return
		}
		wait := t.wait(te, n)
		t.mu.Lock()
		detached := e.fetch != f
		t.mu.Unlock()
		if n >= attempts || !te.retryable() || detached {
			outcome, failure = "failure", te
			t.fail(e, f, te, t.holdOff(te, n))
			return
		}
		t.mu.Lock()
		f.last, f.waitEnd = te, t.now().Add(wait)
		t.mu.Unlock()
		if !t.sleep(ctx.Done(), wait) {
			outcome = "abandoned"
			t.fail(e, f, &TokenError{Scopes: scopes, Err: ctx.Err()}, -1)
			return
		}
	}
}

func (t *Tokens) succeed(e *tokenEntry, f *tokenFetch, tok *oauth2.Token, start time.Time) {
	lifetime := 5 * time.Minute // when the answer has no expires_in
	if !tok.Expiry.IsZero() {
		// x/oauth2 dates Expiry from when it read the answer, but the
		// token may have been issued as early as the request's start: the
		// lifetime left counts from there, so a slow answer cannot make
		// the token outlive its server-side expiry.
		lifetime = time.Until(tok.Expiry) - time.Since(start)
	}
	margin := min(positive(t.RefreshBefore, DefaultRefreshBefore), lifetime/5)
	bearer := []string{"Bearer " + tok.AccessToken}
	t.mu.Lock()
	defer t.mu.Unlock()
	f.token, f.bearer = tok.AccessToken, bearer
	e.token, e.bearer, e.refreshAt = tok.AccessToken, bearer, t.now().Add(lifetime-margin)
	e.failed = nil
	if e.fetch == f {
		e.fetch = nil
	}
}

// fail ends f with err. A failure is remembered for holdOff; a negative
// holdOff (an abandoned fetch) is not remembered.
func (t *Tokens) fail(e *tokenEntry, f *tokenFetch, err *TokenError, holdOff time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.err = err
	if holdOff >= 0 && e.fetch == f {
		e.failed, e.retryAt = err, t.now().Add(holdOff)
	}
	if e.fetch == f {
		e.fetch = nil
	}
}
