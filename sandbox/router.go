package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/routes"
)

// router is the generated server handler (gen.HandlerWithOptions) on a
// ServeMux: the one table of operations. Every operation passes admit, the
// generated per-operation middleware, before its method runs; a request no
// operation takes is a 404 problem from the mux's catch-all pattern, so
// net/http's text 404 and 405 never answer.
type router struct {
	mux *http.ServeMux
	// routes are the compiled operations (internal/routes: scopes, token
	// or not) by the mux pattern that serves each, "GET /account_groups".
	routes map[string]*routes.Route
}

// newRouter registers the generated handler of every operation on a fresh
// ServeMux. It fails when an operation of gen.Operations is not served by
// the pattern made from its method and path, or has no compiled route: the
// two generators (oapi-codegen and internal/tablegen) read one document,
// and this keeps them agreeing.
func (s *Sandbox) newRouter() (*router, error) {
	rt := &router{mux: http.NewServeMux(), routes: map[string]*routes.Route{}}
	rt.mux.HandleFunc("/", s.noOperation)
	gen.HandlerWithOptions(&api{s}, gen.StdHTTPServerOptions{
		BaseRouter:       rt.mux,
		Middlewares:      []gen.MiddlewareFunc{s.admit},
		ErrorHandlerFunc: s.paramError,
	})
	for _, op := range gen.Operations {
		pattern := op.Method + " " + op.Path
		if _, got := rt.mux.Handler(sampleRequest(op)); got != pattern {
			return nil, fmt.Errorf("sandbox: operation %s (%s %s) of the API document has no handler", op.ID, op.Method, op.Path)
		}
		route := routes.Lookup(op.Method, op.Path)
		if route == nil || route.Op.ID != op.ID {
			return nil, fmt.Errorf("sandbox: operation %s (%s %s) of the API document has no route", op.ID, op.Method, op.Path)
		}
		rt.routes[pattern] = route
	}
	return rt, nil
}

// sampleRequest is a request calling op, each path parameter "x".
func sampleRequest(op gen.Operation) *http.Request {
	segs := strings.Split(op.Path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			segs[i] = "x"
		}
	}
	return &http.Request{Method: op.Method, URL: &url.URL{Path: strings.Join(segs, "/")}, Host: "sandbox"}
}

// route returns the operation the mux matched r to, or nil: none, or a
// HEAD the mux matched to a GET (the document has no HEAD).
func (rt *router) route(r *http.Request) *routes.Route {
	route := rt.routes[r.Pattern]
	if route == nil || route.Op.Method != r.Method {
		return nil
	}
	return route
}

// serves reports whether the mux answers r itself rather than through a
// pattern: a path it would redirect to its clean form (such as //x or
// /a/../b), a CONNECT, or OPTIONS *. Those are no operation either.
func serves(r *http.Request) bool {
	if r.Method == http.MethodConnect || r.RequestURI == "*" {
		return false
	}
	p := r.URL.EscapedPath()
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// noOperation answers a request no operation of the document takes.
func (s *Sandbox) noOperation(w http.ResponseWriter, r *http.Request) {
	s.problem(w, r, http.StatusNotFound, "not_found", "no operation "+r.Method+" "+r.URL.Path+" in the API")
}

// admit is the middleware of every operation: it draws the call from its
// client id's TenantRate budget (not for the token exchange), admits what
// it can before the body (admitHead), reads the bounded body, verifies the signature,
// then waits the latency and draws the configured faults before next, the
// operation's method. The generated wrapper parses the parameters before
// its middleware runs; paramError admits the call before refusing one, so
// a parameter is judged only for a call that would otherwise run.
func (s *Sandbox) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := s.router.route(r)
		if route == nil {
			s.noOperation(w, r)
			return
		}
		if r.ContentLength != 0 {
			// A refusal before the body closes the connection rather than
			// reading the rest.
			w.Header().Set("Connection", "close")
		}
		if route.Secured() && s.tenantRateLimited(w, r) {
			return // counted before any check; the token exchange is not
		}
		if !s.admitHead(w, r, route) {
			return
		}
		w.Header().Del("Connection")
		body, ok := s.readBody(w, r)
		if !ok {
			return
		}
		// The signature is judged as it arrived; the latency fault waits
		// only now that the body is in (before, the read timeout would cut
		// the body's read short).
		if !s.verifySignature(w, r, body) || !s.faults.wait(r.Context()) || s.injectFault(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}
