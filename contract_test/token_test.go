package contracttest_test

import (
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

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
