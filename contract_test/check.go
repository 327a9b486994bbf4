package contracttest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// Exchange is one request and, unless it got none, its response. Its zero
// value has no request: Check reports that as a KindRoute finding.
type Exchange struct {
	// Request is the request as sent: method, URL and header are read,
	// its Body is not (give it as RequestBody). It is not modified.
	Request     *http.Request
	RequestBody []byte
	// Response is the response, nil when there was none (a lost answer):
	// its StatusCode and Header are read, its Body is not (give it as
	// ResponseBody). It is not modified.
	Response     *http.Response
	ResponseBody []byte
}

// Check checks one exchange and returns its findings, in the order: route,
// request, response status, response headers (sorted by name), response
// body. It never panics on what a server or client sends.
func (v *Validator) Check(ex Exchange) Result {
	req := ex.Request
	var res Result
	if req == nil || req.URL == nil {
		res.Findings = []Finding{{Kind: KindRoute, Part: PartRoute, Message: "no request to check"}}
		return res
	}
	res.Method, res.Path = req.Method, req.URL.Path
	if ex.Response != nil {
		res.Status = ex.Response.StatusCode
	}
	c := &checker{mode: v.mode, res: &res, secrets: secretsOf(ex)}
	c.form = isForm(req.Header.Get("Content-Type"))
	v.check(c, ex)
	c.finish()
	return res
}

// check checks the request, then the response, of one exchange, and
// learns the token a successful token call issued.
func (v *Validator) check(c *checker, ex Exchange) {
	req := ex.Request
	view := req.Clone(context.Background())
	view.URL.Path = v.relPath(req.URL.Path)
	view.URL.RawPath = ""
	view.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	view.ContentLength = int64(len(ex.RequestBody))
	view.GetBody = nil
	if view.Header == nil {
		view.Header = http.Header{}
	}
	route, params, msg := v.findRoute(req.Method, view.URL.Path)
	if route == nil {
		c.add(Finding{Kind: KindRoute, Part: PartRoute, Message: msg})
		return
	}
	c.res.Operation = route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{Request: view, PathParams: params, Route: route, Options: v.options()}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		c.requestError(err)
		c.dropDuplicateTokenFinding()
	}
	if ex.Response == nil {
		return
	}
	v.checkResponse(c, in, ex.Response, ex.ResponseBody)
	if c.res.Operation == "requestToken" && ex.Response.StatusCode == http.StatusOK {
		v.tokens.learn(ex.RequestBody, ex.ResponseBody)
	}
}

// checker collects one check's findings.
type checker struct {
	mode    Mode
	res     *Result
	secrets []string // texts of this exchange never to show, longest first
	form    bool     // the request body is a form: all its values are secret
}

func (c *checker) add(f Finding) { c.res.Findings = append(c.res.Findings, f) }

// finish completes the findings: each gets the result's operation, method,
// path and status, its severity in the mode, and is scrubbed of the
// exchange's secrets.
func (c *checker) finish() {
	res := c.res
	for i := range res.Findings {
		f := &res.Findings[i]
		res.stamp(f)
		f.Severity = c.mode.severity(f.Kind)
		f.Value = c.scrub(f.Value)
		f.Message = c.scrub(f.Message)
		f.Pointer = c.scrub(f.Pointer) // a server may name a property after a secret
	}
}

// isForm reports whether content type ct is a form's.
func isForm(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}
