// Package routes matches requests to the operations of the OpenAPI document
// (gen.Operations, which internal/tablegen writes from openapi/), so the
// client knows which scopes a call needs and the sandbox which it demands.
// The table is compiled once; lookups allocate nothing and are safe for
// concurrent use.
package routes

import (
	"context"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

// Route is one compiled operation.
type Route struct {
	// Op is the operation as generated from the document.
	Op gen.Operation
	// Scopes is the first security alternative: what a client asks for.
	Scopes []string
	// Key is Scopes joined by single spaces, a token cache key.
	Key string

	segments []string // "" matches any one non-empty segment
}

// Secured reports whether the operation needs a bearer token.
func (r *Route) Secured() bool { return len(r.Op.Scopes) > 0 }

var table = compile(gen.Operations)

func compile(ops []gen.Operation) []Route {
	out := make([]Route, 0, len(ops))
	for _, op := range ops {
		r := Route{Op: op}
		for _, seg := range strings.Split(strings.Trim(op.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				seg = ""
			}
			r.segments = append(r.segments, seg)
		}
		if len(op.Scopes) > 0 {
			r.Scopes = op.Scopes[0]
			r.Key = strings.Join(r.Scopes, " ")
		}
		out = append(out, r)
	}
	return out
}

func (r *Route) match(method, path string) bool {
	if method != r.Op.Method {
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

// Lookup returns the operation that method and path (relative to the API's
// base, without query) call, or nil.
func Lookup(method, path string) *Route {
	for i := range table {
		if table[i].match(method, path) {
			return &table[i]
		}
	}
	return nil
}

// Allows reports whether a token with scopes may call the route: it holds
// every scope of at least one security alternative.
func (r *Route) Allows(scopes []string) bool {
	if !r.Secured() {
		return true
	}
	for _, alt := range r.Op.Scopes {
		ok := true
		for _, need := range alt {
			found := false
			for _, have := range scopes {
				if have == need {
					found = true
					break
				}
			}
			ok = ok && found
		}
		if ok {
			return true
		}
	}
	return false
}

type routeKey struct{}

// NewContext returns ctx carrying r: the operation a request calls, looked
// up once per call by package upvest, so the middleware need not look it up
// again on every attempt.
func NewContext(ctx context.Context, r *Route) context.Context {
	return context.WithValue(ctx, routeKey{}, r)
}

// FromContext returns the route NewContext put in ctx, or nil.
func FromContext(ctx context.Context) *Route {
	r, _ := ctx.Value(routeKey{}).(*Route)
	return r
}
