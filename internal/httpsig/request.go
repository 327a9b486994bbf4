package httpsig

import (
	"net/http"
	"strconv"
	"strings"
)

// RequestComponents returns the values of the components names lists, read
// from req as sent or received: derived components from the method and URL,
// the others from the header of that name (several values joined by ", ";
// content-length falls back to req.ContentLength). A name the request lacks
// is returned in missing, and the result is then incomplete.
func RequestComponents(req *http.Request, names []string) (comps []Component, missing string) {
	comps = make([]Component, 0, len(names))
	for _, n := range names {
		var v string
		ok := true
		switch n {
		case "@method":
			v = req.Method
		case "@path":
			v = req.URL.EscapedPath()
			if v == "" {
				v = "/"
			}
		case "@query":
			v, ok = "?"+req.URL.RawQuery, req.URL.RawQuery != ""
		case "@authority":
			v = req.Host
			if v == "" {
				v = req.URL.Host
			}
			ok = v != ""
		case "@target-uri":
			v = req.URL.String()
		default:
			vals := req.Header.Values(n)
			if len(vals) == 0 && n == "content-length" && req.ContentLength >= 0 && (req.ContentLength > 0 || req.Body != nil) {
				vals = []string{strconv.FormatInt(req.ContentLength, 10)}
			}
			if n == "host" && len(vals) == 0 && req.Host != "" {
				vals = []string{req.Host}
			}
			v, ok = strings.Join(vals, ", "), len(vals) > 0
		}
		if !ok {
			return comps, n
		}
		comps = append(comps, Component{Name: n, Value: v})
	}
	return comps, ""
}
