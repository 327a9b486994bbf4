package contracttest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
)

// Handler returns an http.Handler that checks each request it receives and
// the response next writes, gives report the Result and then sends the
// response on unchanged. The response is buffered until next returns. When
// next hijacks the connection (a lost answer), the request is checked
// alone; when next panics, the request is checked alone and the panic goes
// on. The Handler is safe for concurrent use when next and report are.
func (v *Validator) Handler(next http.Handler, report func(Result)) http.Handler {
	if report == nil {
		report = func(Result) {}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		var over bool
		in := r
		if r.Body != nil && r.Body != http.NoBody {
			var same io.ReadCloser
			var err error
			body, same, over, err = readBody(r.Body, v.maxBody)
			if err != nil {
				http.Error(w, "reading the request body failed", http.StatusBadRequest)
				return
			}
			in = r.Clone(r.Context())
			in.Body = same
		}
		view := r // Check reads its method, URL and header, not its body
		cw := &captureWriter{w: w, header: http.Header{}}
		done := false
		defer func() {
			if !done { // next panicked
				report(v.checkOver(Exchange{Request: view, RequestBody: body}, over, false))
			}
		}()
		next.ServeHTTP(cw, in)
		done = true
		if cw.hijacked {
			report(v.checkOver(Exchange{Request: view, RequestBody: body}, over, false))
			return
		}
		status := cw.status
		if status == 0 {
			status = http.StatusOK
		}
		resp := &http.Response{StatusCode: status, Header: cw.header, Request: view}
		respBody := cw.body.Bytes()
		respOver := int64(len(respBody)) > v.maxBody
		checked := respBody
		if respOver {
			checked = nil
		}
		report(v.checkOver(Exchange{Request: view, RequestBody: body, Response: resp, ResponseBody: checked}, over, respOver))
		for k, vals := range cw.header {
			w.Header()[k] = vals
		}
		w.WriteHeader(status)
		_, _ = w.Write(respBody)
	})
}

// captureWriter buffers a response; Hijack reaches the real connection.
type captureWriter struct {
	w        http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

// Header is the buffered response's header.
func (c *captureWriter) Header() http.Header { return c.header }

// WriteHeader keeps the first final status; informational ones are dropped.
func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 && status >= 200 {
		c.status = status
	}
}

// Write buffers p, the status then 200 unless one was written.
func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(p)
}

// Flush does nothing: the response is sent once checked.
func (c *captureWriter) Flush() {}

// Hijack hands over the real connection, when it can be hijacked, and
// marks the answer lost.
func (c *captureWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := c.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("contracttest: the connection cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		c.hijacked = true
	}
	return conn, rw, err
}
