package contracttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// RoundTripper returns an http.RoundTripper that sends each request through
// base (nil means http.DefaultTransport) and gives report the Result of
// checking it with its response (or alone, when base returned an error or
// the response body could not be read). Requests to a host other than
// Options.BaseURL's pass unchecked. The request reaching base is a clone
// carrying the same body; the caller's request is never modified. The
// response body is read whole before RoundTrip returns, and the caller
// reads the same bytes. The RoundTripper is safe for concurrent use when
// base and report are. Put it under upvest.Config.HTTPClient:
//
//	HTTPClient: &http.Client{Transport: v.RoundTripper(nil, contracttest.ReportTo(t))}
func (v *Validator) RoundTripper(base http.RoundTripper, report func(Result)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if report == nil {
		report = func(Result) {}
	}
	return &roundTripper{v: v, base: base, report: report}
}

// roundTripper is what Validator.RoundTripper returns.
type roundTripper struct {
	v      *Validator
	base   http.RoundTripper
	report func(Result)
}

// RoundTrip sends req through base and reports the checked exchange.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if !rt.v.ours(req) {
		return rt.base.RoundTrip(req)
	}
	var body []byte
	var over bool
	out := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, out.Body, over, err = readBody(req.Body, rt.v.maxBody)
		if err != nil {
			req.Body.Close()
			return nil, fmt.Errorf("contracttest: reading the request body: %w", err)
		}
		if !over {
			req.Body.Close()
		}
	}
	resp, err := rt.base.RoundTrip(out)
	if err != nil {
		rt.report(rt.v.checkOver(Exchange{Request: req, RequestBody: body}, over, false))
		return nil, err
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	respBody, same, respOver, rerr := readBody(resp.Body, rt.v.maxBody)
	if rerr != nil {
		// Cut short (a dropped connection): hand over what arrived and the
		// error; check the request alone rather than report a torn body.
		resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(respBody), errReader{rerr}))
		rt.report(rt.v.checkOver(Exchange{Request: req, RequestBody: body}, over, false))
		return resp, nil
	}
	if !respOver {
		resp.Body.Close()
	}
	resp.Body = same
	rt.report(rt.v.checkOver(Exchange{Request: req, RequestBody: body, Response: resp, ResponseBody: respBody}, over, respOver))
	return resp, nil
}

// errReader fails every Read with err.
type errReader struct{ err error }

// Read returns e.err.
func (e errReader) Read([]byte) (int, error) { return 0, e.err }
