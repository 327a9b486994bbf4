package contracttest

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/upvest-go/upvest/internal/routes"
)

// opKey names an operation of the document: its upper-case method and its
// path template, as gen.Operations spells them.
type opKey struct{ method, path string }

// operations indexes the document's operations as the kin-openapi routes
// openapi3filter validates against. The routes are shared by every check
// and never modified.
func operations(doc *openapi3.T) map[opKey]*routers.Route {
	ops := map[opKey]*routers.Route{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[opKey{method, path}] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return ops
}

// findRoute matches method and path (relative to the base URL) to an
// operation with internal/routes, the module's one router of operations
// (compiled from gen.Operations), and returns the document's route for it
// with the path parameters. When nothing matches, route is nil and msg says
// why: the document has the path only under other methods, or has no such
// operation at all.
func (v *Validator) findRoute(method, path string) (route *routers.Route, params map[string]string, msg string) {
	if r := routes.Lookup(method, path); r != nil {
		if route = v.ops[opKey{r.Op.Method, r.Op.Path}]; route != nil {
			return route, r.Params(path), ""
		}
	}
	if v.pathKnown(method, path) {
		return nil, nil, "the document has no " + method + " " + path
	}
	return nil, nil, "no operation " + method + " " + path + " in the document"
}

// pathKnown reports whether the document has an operation on path under a
// method other than method.
func (v *Validator) pathKnown(method, path string) bool {
	for _, m := range httpMethods {
		if m == method {
			continue
		}
		if r := routes.Lookup(m, path); r != nil && v.ops[opKey{r.Op.Method, r.Op.Path}] != nil {
			return true
		}
	}
	return false
}

// httpMethods are the methods pathKnown tries: those net/http names.
var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}
