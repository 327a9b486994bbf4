package contracttest

import "net/http"

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
