package contracttest_test

import (
	"net/http"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

// Requests are matched to operations by internal/routes: an unknown path,
// or a known path under another method, is a route finding saying which;
// a matched path's parameters are checked against the document.
func TestRoutes(t *testing.T) {
	t.Parallel()
	v, err := contracttest.New(contracttest.Options{BaseURL: "http://127.0.0.1:1/v1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		op           string // "" when the request matches no operation
		kind         contracttest.Kind
		part         contracttest.Part
		pointer      string
		message      string // for a route finding
	}{
		{http.MethodGet, "/v1/accounts", "", contracttest.KindRoute, contracttest.PartRoute, "", "no operation GET /accounts in the document"},
		{http.MethodPut, "/v1/account_groups", "", contracttest.KindRoute, contracttest.PartRoute, "", "the document has no PUT /account_groups"},
		{http.MethodPatch, "/v1" + groupPath, "", contracttest.KindRoute, contracttest.PartRoute, "", "the document has no PATCH " + groupPath},
		{http.MethodGet, "/v1/account_groups/not-a-uuid", "getAccountGroup", contracttest.KindFormat, contracttest.PartPath, "account_group_id", ""},
		{http.MethodGet, "/v1/users/not-a-uuid/account_groups", "listUserAccountGroups", contracttest.KindFormat, contracttest.PartPath, "user_id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://127.0.0.1:1"+tt.path, nil)
			signed(req, "good")
			res := v.Check(contracttest.Exchange{Request: req})
			f := only(t, res.Findings)
			if res.Operation != tt.op || f.Kind != tt.kind || f.Part != tt.part || f.Pointer != tt.pointer ||
				(tt.message != "" && f.Message != tt.message) {
				t.Fatalf("operation %q, finding %s", res.Operation, f)
			}
		})
	}
}
