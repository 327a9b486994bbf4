// Package routes matches requests to the operations of the OpenAPI document
// (gen.Operations, which internal/tablegen writes from openapi/), so the
// client knows which scopes a call needs and the sandbox which it demands.
// The table is compiled once; lookups allocate nothing and are safe for
// concurrent use. Route.Params extracts a matched path's parameters (for
// contracttest, which hands them to kin-openapi).
package routes

import (
	"context"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

// Route is one compiled operation. Routes come from Lookup and FromContext
// and are shared: read them, never modify them; their methods are safe for
// concurrent use. The zero Route is not useful (it matches the empty method
// with any path).
type Route struct {
	// Op is the operation as generated from the document.
	Op gen.Operation
	// Scopes is the first security alternative: what a client asks for.
	Scopes []string
	// Key is Scopes joined by single spaces, a token cache key.
	Key string

	segments []string // "" matches any one non-empty segment
	params   []string // the parameter's name at a "" segment, else ""
	nparams  int      // how many of segments are parameters
}

// Secured reports whether the operation needs a bearer token.
func (r *Route) Secured() bool { return len(r.Op.Scopes) > 0 }

var table = compile(gen.Operations)

func compile(ops []gen.Operation) []Route {
	out := make([]Route, 0, len(ops))
	for _, op := range ops {
		r := Route{Op: op}
		for _, seg := range strings.Split(strings.Trim(op.Path, "/"), "/") {
			name := ""
			if strings.HasPrefix(seg, "{") {
				name, seg = strings.TrimSuffix(seg[1:], "}"), ""
				r.nparams++
			}
			r.segments = append(r.segments, seg)
			r.params = append(r.params, name)
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
	return method == r.Op.Method && r.matchPath(path, nil)
}

// matchPath reports whether path fits the route's segments. When values is
// not nil, it stores each parameter's segment in it under the parameter's
// name as it goes, so values holds partial results when matchPath fails.
func (r *Route) matchPath(path string, values map[string]string) bool {
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
		if values != nil && seg == "" {
			values[r.params[i]] = cur
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

// Params returns the values of the route's path parameters in path (as
// given to Lookup: relative to the API's base, without query), keyed by the
// names in Op.Path's {name} segments. Each value is path's segment as it
// stands: nothing is unescaped. It returns nil when path does not fit the
// route (its method is not checked) and an empty, non-nil map when the
// route has no parameters. It allocates only the map, sized to fit. The
// caller owns the map; Params is safe for concurrent use.
func (r *Route) Params(path string) map[string]string {
	if !r.matchPath(path, nil) {
		return nil
	}
	values := make(map[string]string, r.nparams)
	if r.nparams > 0 {
		r.matchPath(path, values)
	}
	return values
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
