package middleware

import (
	"fmt"
	"io"
	"net/http"
)

// RedirectError is a 3xx answer from the API host. Upvest documents no
// redirect for any endpoint, and following one would re-send a token
// request's client secret, or a signed create, to wherever it points, so
// Transport never lets one be followed, whatever the http.Client's
// CheckRedirect says: the answer becomes this error and nothing is
// re-sent.
type RedirectError struct {
	// StatusCode is the 3xx status received.
	StatusCode int
	// Location is the host (host:port) the redirect pointed to, resolved
	// against the request's URL; empty when the answer had no usable
	// Location header. The rest of the URL is left out: it may carry
	// tokens of its own.
	Location string
}

// Error names the status and the Location host.
func (e *RedirectError) Error() string {
	where := e.Location
	if where == "" {
		where = "no location"
	}
	return fmt.Sprintf("middleware: refused to follow a %d %s redirect to %s (Upvest documents none); nothing was re-sent",
		e.StatusCode, http.StatusText(e.StatusCode), where)
}

// refuseRedirect closes a 3xx answer to req and returns its *RedirectError,
// or returns nil for any other answer.
func refuseRedirect(req *http.Request, resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	e := &RedirectError{StatusCode: resp.StatusCode}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := req.URL.Parse(loc); err == nil {
			e.Location = u.Host
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return e
}
