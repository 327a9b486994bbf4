package upvest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/upvest-go/upvest/internal/routes"
	"github.com/upvest-go/upvest/middleware"
)

// generatedDoer runs the generated client's requests through the pipeline:
// it is the gen.HttpRequestDoer of Client.Generated. A create without an
// idempotency-key header gets one key for all its attempts.
type generatedDoer struct {
	p    *pipeline
	base *url.URL
}

// Do sends req through the pipeline and returns its last answer, body
// buffered; the status is not turned into an error.
func (d generatedDoer) Do(req *http.Request) (*http.Response, error) {
	path := strings.TrimPrefix(req.URL.Path, d.base.Path)
	op := routes.Lookup(req.Method, path)
	if op == nil {
		return nil, &CallError{Method: req.Method, Path: path, Err: fmt.Errorf("%w: %w", middleware.ErrNotSigned, &middleware.ScopeError{Method: req.Method, Path: path})}
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, &CallError{Method: req.Method, Path: path, Err: err}
		}
		body = b
	}
	c := &call{op: op, url: req.URL, path: path, body: body, key: req.Header.Get("Idempotency-Key")}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		c.contentType = []string{ct}
	}
	if c.key == "" && op.Op.IdempotencyKey {
		c.key = middleware.NewIdempotencyKey()
	}
	ans, err := d.p.do(req.Context(), c)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", ans.status, http.StatusText(ans.status)), StatusCode: ans.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: ans.header,
		Body: io.NopCloser(bytes.NewReader(ans.body)), ContentLength: int64(len(ans.body)), Request: req,
	}, nil
}
