package contracttest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/openapi"
	"github.com/upvest-go/upvest/sandbox"
)

// A validator built from a broken document fails at construction, with
// kin-openapi's own message.
func TestBrokenDocument(t *testing.T) {
	t.Parallel()
	doc := string(openapi.Document)
	tests := map[string]string{
		"not YAML":           "openapi: [3.0.3\n",
		"dangling $ref":      strings.Replace(doc, "$ref: '#/components/schemas/AccountGroup'\n", "$ref: '#/components/schemas/AccountGroupe'\n", 1),
		"pattern not an RE2": strings.Replace(doc, `pattern: '^[0-9]{9}$'`, `pattern: '^[0-9]{9$('`, 1),
		"no info":            strings.Replace(doc, "info:\n  title:", "infox:\n  title:", 1),
		"example breaks its schema": strings.Replace(doc, "securities_account_number: '123456789'\n        status: ACTIVE",
			"securities_account_number: '12345678'\n        status: ACTIVE", 1),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			if src == doc {
				t.Fatal("the test's replacement did not apply")
			}
			_, err := contracttest.New(contracttest.Options{Document: []byte(src)})
			if err == nil {
				t.Fatal("no error")
			}
			// kin-openapi's message for the same document, verbatim.
			kin, lerr := openapi3.NewLoader().LoadFromData([]byte(src))
			if lerr == nil {
				lerr = kin.Validate(context.Background())
			}
			if lerr == nil || !strings.Contains(err.Error(), lerr.Error()) {
				t.Fatalf("error %q does not carry kin-openapi's %v", err, lerr)
			}
			if !strings.HasPrefix(err.Error(), "contracttest: ") {
				t.Errorf("error %q", err)
			}
		})
	}
	if _, err := contracttest.New(contracttest.Options{BaseURL: "/relative"}); err == nil {
		t.Error("a relative BaseURL was accepted")
	}
}

// Whatever a server or client sends, Check reports and never panics.
func FuzzCheck(f *testing.F) {
	v, err := contracttest.New(contracttest.Options{Mode: contracttest.Tolerant})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f", 200, "application/json", []byte(validGroup), []byte(nil), "169ae4c7-ebd7-4041-94da-25369653eba7")
	f.Add("GET", "/account_groups", 200, "application/json", []byte(`{"data":[{"id":1}],"meta":null}`), []byte(nil), "")
	f.Add("POST", "/account_groups", 201, "application/problem+json", []byte(`{"type":`), []byte(`{"user_id":7}`), "x")
	f.Add("POST", "/auth/token", 200, "application/json; charset=utf-8", []byte(`{"access_token":[1]}`), []byte("a=%zz&&="), "")
	f.Add("DELETE", "/account_groups/%zz", 202, "", []byte("\xff\xfe"), []byte(nil), "")
	f.Add("PATCH", "//..//", 999, "text/html", []byte(nil), []byte("{}"), "\x00")
	f.Add("GET", "/users/x/account_groups", 429, "application/problem+json", []byte(`{"type":"t","status":"429"}`), []byte(nil), "")
	f.Fuzz(func(t *testing.T, method, path string, status int, ct string, body, reqBody []byte, rid string) {
		req, err := http.NewRequest(method, "http://127.0.0.1:1/", nil)
		if err != nil {
			return
		}
		req.URL.Path = path
		req.Header.Set("Content-Type", ct)
		signed(req, rid)
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ct}, "Upvest-Request-Id": {rid}, "Retry-After": {rid}}}
		res := v.Check(contracttest.Exchange{Request: req, RequestBody: reqBody, Response: resp, ResponseBody: body})
		for _, f := range res.Findings {
			if s := f.String(); strings.ContainsAny(s, "\r\n") || f.Kind == "" {
				t.Fatalf("finding %q", s)
			}
		}
		v.Check(contracttest.Exchange{Request: req, RequestBody: reqBody})
		_, _ = v.CheckSchema("AccountGroup", body)
	})
}

func TestCheckOddInput(t *testing.T) {
	t.Parallel()
	v := newValidator(t, contracttest.Strict)
	if res := v.Check(contracttest.Exchange{}); len(res.Findings) != 1 || res.Findings[0].Kind != contracttest.KindRoute {
		t.Errorf("no request: %v", res.Findings)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/accounts", nil)
	res := v.Check(contracttest.Exchange{Request: req, Response: &http.Response{StatusCode: 200}})
	if f := only(t, res.Findings); f.Kind != contracttest.KindRoute || f.Operation != "" || !strings.Contains(f.String(), "GET /accounts") {
		t.Errorf("unknown route: %s", f)
	}
	req, _ = http.NewRequest(http.MethodPut, "http://127.0.0.1:1/account_groups", nil)
	if f := only(t, v.Check(contracttest.Exchange{Request: req}).Findings); f.Kind != contracttest.KindRoute {
		t.Errorf("unknown method: %s", f)
	}
	// A response without a header map or body.
	ex := exchange(200, "", "")
	ex.Response.Header = nil
	if f := only(t, v.Check(ex).Findings); f.Kind != contracttest.KindContentType {
		t.Errorf("no header: %s", f)
	}
	if _, err := v.CheckSchema("Nope", nil); err == nil {
		t.Error("unknown schema accepted")
	}
	fs, err := v.CheckSchema("AccountGroupEvent", []byte(`{"created_at":"2021-07-21T14:10:00.00Z","id":"72da9e41-9926-419f-976e-4c8069a04249","object":`+validGroup+`,"type":"ACCOUNT_GROUP.MERGED","webhook_id":"9df39835-be87-4243-9018-f2500b39cee6"}`))
	if err != nil || len(fs) != 1 || fs[0].Kind != contracttest.KindEnum || fs[0].Pointer != "/type" {
		t.Errorf("CheckSchema: %v %v", fs, err)
	}
}

// Tokens the validator did not see issued: refused only with
// IssuedTokensOnly; scopes of a token seen issued are always checked.
func TestTokens(t *testing.T) {
	t.Parallel()
	open, err := contracttest.New(contracttest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := open.Check(exchange(200, "application/json", validGroup)).Findings; len(fs) != 0 {
		t.Errorf("unknown token refused without IssuedTokensOnly: %v", fs)
	}
	issue(t, open, "good", "webhooks:read")
	if f := only(t, open.Check(exchange(200, "application/json", validGroup)).Findings); f.Kind != contracttest.KindSecurity {
		t.Errorf("token without the scope: %s", f)
	}
	ex := exchange(200, "application/json", validGroup)
	ex.Request.Header.Del("Authorization")
	f := only(t, open.Check(ex).Findings)
	if f.Kind != contracttest.KindRequired || f.Pointer != "authorization" {
		t.Errorf("no token: %s", f)
	}
}

// ReportTo fails the test on a violation and logs drift.
func TestReportTo(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	report := contracttest.ReportTo(tb)
	report(contracttest.Result{Findings: []contracttest.Finding{
		{Severity: contracttest.Violation, Kind: contracttest.KindStatus, Operation: "getAccountGroup", Status: 201, Response: true, Part: contracttest.PartStatus, Message: "not documented"},
		{Severity: contracttest.Drift, Kind: contracttest.KindEnum, Operation: "getAccountGroup", Status: 200, Response: true, Part: contracttest.PartBody, Pointer: "/status", Value: `"FROZEN"`, Message: "not allowed"},
	}})
	if len(tb.errors) != 1 || tb.errors[0] != "contracttest: violation getAccountGroup 201: response status: status: not documented" {
		t.Errorf("errors %q", tb.errors)
	}
	if len(tb.logs) != 1 || tb.logs[0] != `contracttest: drift getAccountGroup 200: response body /status: enum: not allowed (value "FROZEN")` {
		t.Errorf("logs %q", tb.logs)
	}
}

// The RoundTripper hands the caller the body it checked, whole, also one
// over the limit (reported, not checked); it checks only the API's host
// and strips the base URL's path.
func TestRoundTripperBodiesAndHosts(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/big") {
			_, _ = io.WriteString(w, `{"data":"`+big+`"}`)
			return
		}
		_, _ = io.WriteString(w, validGroup)
	}))
	defer srv.Close()
	v, err := contracttest.New(contracttest.Options{BaseURL: srv.URL + "/v1/", MaxBodyBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	rec := &contracttest.Recorder{}
	c := &http.Client{Transport: v.RoundTripper(nil, rec.Report)}

	get := func(url string) string {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(srv.URL + "/v1/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f"); got != validGroup {
		t.Errorf("body %q", got)
	}
	res := rec.Results()
	if len(res) != 1 || res[0].Operation != "getAccountGroup" {
		t.Fatalf("results %+v", res)
	}
	// No signature or token: the request findings; the answer is fine (no request id is fine too).
	for _, f := range res[0].Findings {
		if f.Response {
			t.Errorf("response finding %s", f)
		}
	}
	rec.Reset()
	if got := get(srv.URL + "/v1/big"); !strings.Contains(got, big) {
		t.Errorf("big body cut: %d bytes", len(got))
	}
	var tooLarge bool
	for _, f := range rec.Findings() {
		tooLarge = tooLarge || (f.Kind == contracttest.KindDecode && f.Response && strings.Contains(f.Message, "larger than 400 bytes"))
	}
	if !tooLarge {
		t.Errorf("big body not reported: %v", rec.Findings())
	}
	rec.Reset()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi") }))
	defer other.Close()
	if got := get(other.URL + "/account_groups"); got != "hi" || len(rec.Results()) != 0 {
		t.Errorf("another host checked: %q %v", got, rec.Results())
	}
}

// A lost answer (the sandbox drops the connection after a create): the
// Handler checks the request alone and lets the connection drop.
func TestHandlerLostAnswer(t *testing.T) {
	t.Parallel()
	s := newSetup(t, contracttest.Strict, "handler")
	s.alt.sb.SetFaults(sandbox.Faults{LostAnswers: 1})
	if _, err := s.client.CreateAccountGroup(context.Background(), s.user, upvest.TypePersonal); err == nil {
		t.Fatal("the answer was not lost")
	}
	// The client sees the connection close before the handler returns.
	var results []contracttest.Result
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if results = s.rec.Results(); len(results) == 2 {
			break
		}
	}
	var creates int
	for _, r := range results {
		if len(r.Findings) != 0 {
			t.Errorf("findings: %v", r.Findings)
		}
		if r.Operation == "createAccountGroup" {
			creates++
			if r.Status != 0 {
				t.Errorf("status %d for a lost answer", r.Status)
			}
		}
	}
	if creates == 0 {
		t.Error("the create was not checked")
	}
}

// One Validator under many concurrent calls (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newSetup(t, contracttest.Strict, "roundtripper")
	id := s.group(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if _, err := s.client.GetAccountGroup(context.Background(), id); err != nil {
					t.Error(err)
				}
				if _, err := s.client.ListAccountGroups(context.Background(), nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if fs := s.rec.Findings(); len(fs) != 0 {
		t.Errorf("findings: %v", fs)
	}
	if n := len(s.rec.Results()); n < 80 {
		t.Errorf("%d exchanges checked", n)
	}
}
