package middleware

import (
	"context"
	"fmt"
	"strings"

	"github.com/upvest-go/upvest/internal/routes"
)

// ScopeError reports a request that matches no operation of the OpenAPI
// document, so the scopes its token needs are unknown.
type ScopeError struct {
	Method, Path string
}

// Error implements the error interface.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("middleware: %s %s matches no operation in the OpenAPI document; set its scopes with WithScopes", e.Method, e.Path)
}

func lookup(method, path string) (*routes.Route, error) {
	if r := routes.Lookup(method, path); r != nil {
		return r, nil
	}
	return nil, &ScopeError{Method: method, Path: path}
}

type scopesKey struct{}

// WithScopes returns a context under which Transport asks for a token with
// exactly these scopes instead of the ones the OpenAPI document gives the
// operation: for calls the document does not describe, or to use a broader
// token on purpose.
func WithScopes(ctx context.Context, scopes ...string) context.Context {
	return context.WithValue(ctx, scopesKey{}, scopeSet{scopes: scopes, key: strings.Join(scopes, " ")})
}

type scopeSet struct {
	scopes []string
	key    string
}
