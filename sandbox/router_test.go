package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/sandbox"
)

// What the generated handler's ServeMux would answer itself (a redirect to
// the clean path, a HEAD served as the GET, OPTIONS *) is no operation of
// the document: a 404 problem, like any other path it does not list.
func TestRouterAnswersOnlyTheDocument(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, false)
	hc.mustToken("accounts:admin")
	for _, c := range []struct{ method, path string }{
		{"HEAD", "/account_groups"},
		{"GET", "//account_groups"},
		{"GET", "/account_groups/"},
		{"GET", "/users/../account_groups"},
		{"GET", "/./account_groups"},
	} {
		a := hc.do(c.method, c.path, nil, nil)
		if a.status != 404 || a.header.Get("Content-Type") != "application/problem+json" || a.header.Get("Upvest-Request-Id") == "" ||
			!strings.Contains(a.detail(), "no operation") {
			t.Errorf("%s %s: %d %v %s", c.method, c.path, a.status, a.header, a.body)
		}
	}
	req := httptest.NewRequest("OPTIONS", "*", nil)
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, req)
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("OPTIONS *: %d %s", rec.Code, rec.Body)
	}
}

// The generated wrapper parses parameters before its middleware runs; a
// call that would be refused is still refused first, so a malformed
// parameter tells nothing to a caller without credentials.
func TestParametersJudgedAfterAdmission(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, false)
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/account_groups/not-a-uuid", http.StatusUnauthorized},
		{"/account_groups?limit=many", http.StatusUnauthorized},
		{"/users/not-a-uuid/account_groups", http.StatusUnauthorized},
	} {
		if a := hc.do("GET", c.path, nil, nil); a.status != c.status || !strings.Contains(a.detail(), "Bearer") {
			t.Errorf("GET %s without a token: %s, want %d", c.path, a, c.status)
		}
	}
	hc.mustToken("accounts:read")
	if a := hc.do("GET", "/account_groups/not-a-uuid", nil, nil); a.status != 404 || !strings.Contains(a.detail(), "not a UUID") {
		t.Errorf("with a token: %s", a)
	}
}
