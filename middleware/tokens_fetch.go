package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// One token request of a fetch, its log line, and the waits between them.

// exchange makes one token request, bounded by FetchTimeout.
func (t *Tokens) exchange(ctx context.Context, scopes []string) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, positive(t.FetchTimeout, DefaultTokenFetchTimeout))
	defer cancel()
	cfg := clientcredentials.Config{
		ClientID:     t.ClientID,
		ClientSecret: t.ClientSecret,
		TokenURL:     t.TokenURL,
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, t.HTTPClient))
}

// logRequest logs token request n of a fetch, begun at start.
func (t *Tokens) logRequest(ctx context.Context, scopes []string, n int, start time.Time, err error, te *TokenError) {
	if t.Logger == nil {
		return
	}
	status, rid := http.StatusOK, ""
	switch {
	case te != nil:
		status, rid = te.StatusCode, te.RequestID
	case err != nil:
		status = 0 // abandoned
	}
	path := t.TokenURL
	if u, perr := url.Parse(t.TokenURL); perr == nil {
		path = u.Path
	}
	t.Logger.LogAttrs(ctx, slog.LevelDebug, "upvest token request",
		slog.String("method", http.MethodPost), slog.String("path", path), slog.String("scopes", strings.Join(scopes, " ")),
		slog.Int("status", status), slog.Int("attempt", n), slog.String("request_id", rid), slog.Duration("duration", time.Since(start)))
}

// wait is how long to wait before retry n: the endpoint's Retry-After
// (capped), else the policy's jittered back-off.
func (t *Tokens) wait(te *TokenError, n int) time.Duration {
	if te.RetryAfter > 0 {
		return t.Retry.CapRetryAfter(te.RetryAfter)
	}
	return t.Retry.Backoff(n)
}

// holdOff is how long a failed fetch is remembered: the endpoint's
// Retry-After (capped), else the longest the next wait could have been.
func (t *Tokens) holdOff(te *TokenError, n int) time.Duration {
	if te.RetryAfter > 0 {
		return t.Retry.CapRetryAfter(te.RetryAfter)
	}
	return t.Retry.Ceiling(n + 1)
}
