package contracttest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/openapi"
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
