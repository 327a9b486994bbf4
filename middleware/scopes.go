package middleware

import (
	"context"
	"fmt"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

// route is one operation of the OpenAPI document, compiled for matching.
type route struct {
	method   string
	segments []string // "" matches any one segment (a path parameter)
	scopes   []string // the first security alternative
	key      string   // scopes joined by spaces: the token cache key
	secured  bool
}

// routes are compiled once from gen.Operations, which internal/scopegen
// writes from openapi/account-groups.yaml.
var routes = compileRoutes(gen.Operations)

func compileRoutes(ops []gen.Operation) []route {
	out := make([]route, 0, len(ops))
	for _, op := range ops {
		r := route{method: op.Method, secured: len(op.Scopes) > 0}
		for _, seg := range strings.Split(strings.Trim(op.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				seg = ""
			}
			r.segments = append(r.segments, seg)
		}
		if r.secured {
			r.scopes = op.Scopes[0]
			r.key = strings.Join(r.scopes, " ")
		}
		out = append(out, r)
	}
	return out
}

// match reports whether path (relative to the API base, no query) is r's.
func (r *route) match(method, path string) bool {
	if method != r.method {
		return false
	}
	path = strings.Trim(path, "/")
	for i, seg := range r.segments {
		var cur string
		cur, path, _ = strings.Cut(path, "/")
		if cur == "" || (seg != "" && seg != cur) {
			return false
		}
		if i == len(r.segments)-1 && path != "" {
			return false
		}
	}
	return true
}

// ScopeError reports a request that matches no operation of the OpenAPI
// document, so the scopes its token needs are unknown.
type ScopeError struct {
	Method, Path string
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("middleware: %s %s matches no operation in the OpenAPI document; set its scopes with WithScopes", e.Method, e.Path)
}

// Scopes returns the OAuth2 scopes a call of method and path (relative to
// the API base) needs: the first security alternative the OpenAPI document
// lists for that operation, so accounts:read for reads and accounts:admin for
// writes. It returns nil and no error for the token endpoint, which needs no
// token.
func Scopes(method, path string) ([]string, error) {
	r, err := lookup(method, path)
	if err != nil {
		return nil, err
	}
	return r.scopes, nil
}

func lookup(method, path string) (*route, error) {
	for i := range routes {
		if routes[i].match(method, path) {
			return &routes[i], nil
		}
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
