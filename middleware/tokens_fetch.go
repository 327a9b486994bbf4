package middleware

import (
	"context"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// One token request of a fetch, and the waits between them.

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

// ceiling is the longest wait before retry n (1-based).
func (t *Tokens) ceiling(n int) time.Duration {
	base := positive(t.BaseDelay, DefaultTokenBaseDelay)
	limit := positive(t.MaxDelay, DefaultTokenMaxDelay)
	c := base << min(n-1, 30)
	if c <= 0 || c > limit {
		c = limit
	}
	return c
}

// wait is how long to wait before retry n: the endpoint's Retry-After
// (capped), else a random time up to the ceiling.
func (t *Tokens) wait(te *TokenError, n int) time.Duration {
	if te.RetryAfter > 0 {
		return min(te.RetryAfter, positive(t.MaxRetryAfter, DefaultTokenMaxRetryAfter))
	}
	return jitter(t.ceiling(n))
}

// holdOff is how long a failed fetch is remembered: the endpoint's
// Retry-After (capped), else the longest the next wait could have been.
func (t *Tokens) holdOff(te *TokenError, n int) time.Duration {
	if te.RetryAfter > 0 {
		return min(te.RetryAfter, positive(t.MaxRetryAfter, DefaultTokenMaxRetryAfter))
	}
	return t.ceiling(n + 1)
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
