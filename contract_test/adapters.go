package contracttest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// RoundTripper returns an http.RoundTripper that sends each request through
// base (nil means http.DefaultTransport) and gives report the Result of
// checking it with its response (or alone, when base returned an error or
// the response body could not be read). Requests to a host other than
// Options.BaseURL's pass unchecked. The request reaching base is a clone
// carrying the same body; the caller's request is never modified. The
// response body is read whole before RoundTrip returns, and the caller
// reads the same bytes. Put it under upvest.Config.HTTPClient:
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

type roundTripper struct {
	v      *Validator
	base   http.RoundTripper
	report func(Result)
}

func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if !rt.v.ours(req) {
		return rt.base.RoundTrip(req)
	}
	var body []byte
	var over bool
	out := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		var rest io.Reader
		var err error
		body, rest, over, err = readLimited(req.Body, rt.v.maxBody)
		if err != nil {
			req.Body.Close()
			return nil, fmt.Errorf("contracttest: reading the request body: %w", err)
		}
		if over {
			out.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), rest), req.Body}
		} else {
			req.Body.Close()
			out.Body = io.NopCloser(bytes.NewReader(body))
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
	respBody, rest, respOver, rerr := readLimited(resp.Body, rt.v.maxBody)
	switch {
	case rerr != nil:
		// Cut short (a dropped connection): hand over what arrived and the
		// error; check the request alone rather than report a torn body.
		resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(respBody), errReader{rerr}))
		rt.report(rt.v.checkOver(Exchange{Request: req, RequestBody: body}, over, false))
		return resp, nil
	case respOver:
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(respBody), rest), resp.Body}
	default:
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
	}
	rt.report(rt.v.checkOver(Exchange{Request: req, RequestBody: body, Response: resp, ResponseBody: respBody}, over, respOver))
	return resp, nil
}

// checkOver checks an exchange whose bodies may have been too large to read
// whole.
func (v *Validator) checkOver(ex Exchange, reqOver, respOver bool) Result {
	if respOver {
		// A body is too large: check everything else, and say so.
		ex.ResponseBody = nil
	}
	res := v.Check(ex)
	if reqOver || respOver {
		var kept []Finding
		for _, f := range res.Findings {
			if f.Part == PartBody && ((f.Response && respOver) || (!f.Response && reqOver)) {
				continue
			}
			kept = append(kept, f)
		}
		res.Findings = kept
		for _, dir := range []bool{false, true} {
			if (dir && respOver) || (!dir && reqOver) {
				res.Findings = append(res.Findings, Finding{Kind: KindDecode, Part: PartBody, Response: dir,
					Operation: res.Operation, Method: res.Method, Path: res.Path, Status: res.Status,
					Message: fmt.Sprintf("body larger than %d bytes: not checked", v.maxBody)})
			}
		}
	}
	return res
}

// readLimited reads r up to limit bytes. over says r had more; rest then
// holds the byte read beyond the limit and the unread remainder.
func readLimited(r io.Reader, limit int64) (body []byte, rest io.Reader, over bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return body, nil, false, err
	}
	if int64(len(body)) > limit {
		extra := body[limit:]
		return body[:limit:limit], io.MultiReader(bytes.NewReader(extra), r), true, nil
	}
	return body, nil, false, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Handler returns an http.Handler that checks each request it receives and
// the response next writes, gives report the Result and then sends the
// response on unchanged. The response is buffered until next returns. When
// next hijacks the connection (a lost answer), the request is checked
// alone; when next panics, the request is checked alone and the panic goes
// on.
func (v *Validator) Handler(next http.Handler, report func(Result)) http.Handler {
	if report == nil {
		report = func(Result) {}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		var over bool
		in := r
		if r.Body != nil && r.Body != http.NoBody {
			var rest io.Reader
			var err error
			body, rest, over, err = readLimited(r.Body, v.maxBody)
			if err != nil {
				http.Error(w, "reading the request body failed", http.StatusBadRequest)
				return
			}
			in = r.Clone(r.Context())
			if over {
				in.Body = struct {
					io.Reader
					io.Closer
				}{io.MultiReader(bytes.NewReader(body), rest), r.Body}
			} else {
				in.Body = io.NopCloser(bytes.NewReader(body))
			}
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

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 && status >= 200 {
		c.status = status
	}
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(p)
}

// Flush does nothing: the response is sent once checked.
func (c *captureWriter) Flush() {}

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

// TB is the part of testing.TB the reporting helpers use; *testing.T,
// *testing.B and *testing.F are TBs.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// ReportTo reports each finding to t on one line: a violation with Errorf
// (the test fails), drift with Logf.
func ReportTo(t TB) func(Result) {
	return func(r Result) {
		for _, f := range r.Findings {
			if f.Severity == Violation {
				t.Errorf("contracttest: %s", f)
			} else {
				t.Logf("contracttest: %s", f)
			}
		}
	}
}

// Transport returns a RoundTripper over base (nil: http.DefaultTransport)
// checking every exchange strictly against the embedded document and
// reporting to t (ReportTo). For a client under test:
//
//	upvest.Config{…, HTTPClient: &http.Client{Transport: contracttest.Transport(t, nil)}}
func Transport(t TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	v, err := New(Options{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v.RoundTripper(base, ReportTo(t))
}

// Handler wraps next, a fake of the API or the sandbox, checking every
// exchange strictly against the embedded document and reporting to t
// (ReportTo).
func Handler(t TB, next http.Handler) http.Handler {
	t.Helper()
	v, err := New(Options{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v.Handler(next, ReportTo(t))
}

// Recorder keeps Results for inspection: pass its Report to an adapter.
// It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	results []Result
}

// Report records r.
func (rec *Recorder) Report(r Result) {
	rec.mu.Lock()
	rec.results = append(rec.results, r)
	rec.mu.Unlock()
}

// Results returns the Results recorded so far, oldest first.
func (rec *Recorder) Results() []Result {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Result(nil), rec.results...)
}

// Findings returns every finding recorded so far, oldest first.
func (rec *Recorder) Findings() []Finding {
	var out []Finding
	for _, r := range rec.Results() {
		out = append(out, r.Findings...)
	}
	return out
}

// Reset forgets what was recorded.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	rec.results = nil
	rec.mu.Unlock()
}
