package middleware

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultRefreshBefore is how long before expiry a cached token is replaced
// when Tokens.RefreshBefore is zero. For short-lived tokens the margin is at
// most a fifth of the lifetime.
const DefaultRefreshBefore = time.Minute

// fetchTimeout bounds one token exchange, which callers share.
const fetchTimeout = 30 * time.Second

// Tokens fetches and caches OAuth2 client-credentials tokens, one per scope
// set, from Upvest's token endpoint. Concurrent callers needing the same
// scopes share a single fetch; a cached token is replaced shortly before it
// expires. The secret travels in the form body, never in a header.
//
// Set the exported fields before first use and do not change them after;
// a Tokens is then safe for concurrent use. Its zero value is not usable:
// TokenURL, ClientID, ClientSecret and HTTPClient are required.
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

	mu      sync.Mutex
	entries map[string]*tokenEntry
}

type tokenEntry struct {
	token     string
	refreshAt time.Time
	fetch     *tokenFetch // in flight, or nil
}

type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// TokenError reports a failed token exchange. Err is usually an
// *oauth2.RetrieveError holding the endpoint's status and answer; neither
// carries the client secret.
type TokenError struct {
	Scopes     []string
	StatusCode int
	Type       string
	RequestID  string
	RetryAfter time.Duration
	Err        error
}

// Error implements the error interface.
func (e *TokenError) Error() string {
	return fmt.Sprintf("middleware: token request for scopes %q: %v", strings.Join(e.Scopes, " "), e.Err)
}

// Unwrap returns the underlying error.
func (e *TokenError) Unwrap() error { return e.Err }

// ErrTokensConfig reports a Tokens without its required fields.
var ErrTokensConfig = errors.New("middleware: Tokens needs TokenURL, ClientID, ClientSecret and HTTPClient")

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// token returns a valid access token for scopes, from the cache or a fetch
// that concurrent callers share. key must be the scopes joined by single
// spaces.
func (t *Tokens) token(ctx context.Context, scopes []string, key string) (string, error) {
	t.mu.Lock()
	if t.entries == nil {
		t.entries = make(map[string]*tokenEntry)
	}
	e := t.entries[key]
	if e == nil {
		e = &tokenEntry{}
		t.entries[key] = e
	}
	if e.token != "" && t.now().Before(e.refreshAt) {
		tok := e.token
		t.mu.Unlock()
		return tok, nil
	}
	f := e.fetch
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		e.fetch = f
		go t.fetch(context.WithoutCancel(ctx), scopes, e, f)
	}
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Token returns a valid access token for scopes (cached, or fetched once for
// all concurrent callers).
func (t *Tokens) Token(ctx context.Context, scopes ...string) (string, error) {
	return t.token(ctx, scopes, strings.Join(scopes, " "))
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

func (t *Tokens) fetch(ctx context.Context, scopes []string, e *tokenEntry, f *tokenFetch) {
	defer close(f.done)
	if t.TokenURL == "" || t.ClientID == "" || t.ClientSecret == "" || t.HTTPClient == nil {
		t.finish(e, f, "", time.Time{}, ErrTokensConfig)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	cfg := clientcredentials.Config{
		ClientID:     t.ClientID,
		ClientSecret: t.ClientSecret,
		TokenURL:     t.TokenURL,
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	start := time.Now()
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, t.HTTPClient))
	if err != nil {
		scrub(err, t.ClientSecret)
		t.finish(e, f, "", time.Time{}, &TokenError{Scopes: scopes, Err: err})
		return
	}
	lifetime := 5 * time.Minute // when the answer has no expires_in
	if !tok.Expiry.IsZero() {
		lifetime = tok.Expiry.Sub(start)
	}
	margin := t.RefreshBefore
	if margin <= 0 {
		margin = DefaultRefreshBefore
	}
	margin = min(margin, lifetime/5)
	t.finish(e, f, tok.AccessToken, t.now().Add(lifetime-margin), nil)
}

func (t *Tokens) finish(e *tokenEntry, f *tokenFetch, token string, refreshAt time.Time, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.token, f.err = token, err
	e.fetch = nil
	if err == nil {
		e.token, e.refreshAt = token, refreshAt
	}
}

// scrub removes the client secret from a token endpoint's answer kept in
// err, in case the endpoint echoed the form back: errors never carry it.
func scrub(err error, secret string) {
	var re *oauth2.RetrieveError
	if secret == "" || !errors.As(err, &re) {
		return
	}
	const mask = "[redacted]"
	re.Body = bytes.ReplaceAll(re.Body, []byte(secret), []byte(mask))
	re.ErrorDescription = strings.ReplaceAll(re.ErrorDescription, secret, mask)
	re.ErrorURI = strings.ReplaceAll(re.ErrorURI, secret, mask)
	re.ErrorCode = strings.ReplaceAll(re.ErrorCode, secret, mask)
}
