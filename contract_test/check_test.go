package contracttest_test

import (
	"net/http"
	"strings"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

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
