package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/upvest-go/upvest/openapi"
)

// schemaOpts validates formats (uuid included, which kin-openapi skips unless
// told) and patterns.
var schemaOpts = []openapi3.SchemaValidationOption{
	openapi3.EnableFormatValidation(),
	openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
	openapi3.MultiErrors(),
}

func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return doc
}

func TestDocumentIsValid(t *testing.T) {
	doc := load(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("document invalid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", doc.OpenAPI)
	}
}

// example is one example value and the schema it must satisfy.
type example struct {
	where  string
	value  any
	schema *openapi3.Schema
}

// collectExamples walks every place the document carries an example.
func collectExamples(t *testing.T, doc *openapi3.T) []example {
	t.Helper()
	var out []example
	media := func(where string, mt *openapi3.MediaType) {
		if mt == nil || mt.Schema == nil {
			return
		}
		if mt.Example != nil {
			out = append(out, example{where + " example", mt.Example, mt.Schema.Value})
		}
		for name, ex := range mt.Examples {
			out = append(out, example{where + " examples." + name, ex.Value.Value, mt.Schema.Value})
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			at := method + " " + path
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value.Example != nil {
					out = append(out, example{at + " parameter " + p.Value.Name, p.Value.Example, p.Value.Schema.Value})
				}
			}
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					media(at+" request "+ct, mt)
				}
			}
			for status, rsp := range op.Responses.Map() {
				for ct, mt := range rsp.Value.Content {
					media(fmt.Sprintf("%s %s %s", at, status, ct), mt)
				}
				for name, h := range rsp.Value.Headers {
					if h.Value.Example != nil {
						out = append(out, example{at + " " + status + " header " + name, h.Value.Example, h.Value.Schema.Value})
					}
				}
			}
		}
	}
	// x-webhooks is an extension kin-openapi keeps raw: check its example
	// against the envelope schema by hand.
	hooks, _ := json.Marshal(doc.Extensions["x-webhooks"])
	var raw struct {
		AccountGroupEvents struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Examples map[string]struct{ Value any }
					}
				}
			}
		} `json:"accountGroupEvents"`
	}
	if err := json.Unmarshal(hooks, &raw); err != nil {
		t.Fatalf("x-webhooks: %v", err)
	}
	envelope := doc.Components.Schemas["WebhookEnvelope"].Value
	event := doc.Components.Schemas["AccountGroupEvent"].Value
	n := 0
	for _, ex := range raw.AccountGroupEvents.Post.RequestBody.Content["application/json"].Examples {
		out = append(out, example{"x-webhooks accountGroupEvents", ex.Value, envelope})
		for _, ev := range ex.Value.(map[string]any)["payload"].([]any) {
			out = append(out, example{"x-webhooks accountGroupEvents event", ev, event})
		}
		n++
	}
	if n == 0 {
		t.Fatal("x-webhooks has no example")
	}
	if ex := doc.Components.Examples["AccountGroupEvent"]; ex != nil {
		out = append(out, example{"components.examples.AccountGroupEvent", ex.Value.Value, event})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	doc := load(t)
	examples := collectExamples(t, doc)
	if len(examples) < 40 {
		t.Fatalf("found only %d examples; the walk is broken", len(examples))
	}
	for _, ex := range examples {
		if err := ex.schema.VisitJSON(ex.value, schemaOpts...); err != nil {
			t.Errorf("%s: %v", ex.where, err)
		}
	}
}

// TestBrokenExampleIsCaught proves the example check can fail: each mutation
// of a seed example must be rejected by its schema.
func TestBrokenExampleIsCaught(t *testing.T) {
	doc := load(t)
	schema := doc.Components.Schemas["AccountGroup"].Value
	base := doc.Components.Examples["AccountGroup"].Value.Value.(map[string]any)
	cases := map[string]func(m map[string]any){
		"8-digit securities_account_number": func(m map[string]any) { m["securities_account_number"] = "12345678" },
		"id not a uuid":                     func(m map[string]any) { m["id"] = "not-a-uuid" },
		"missing status":                    func(m map[string]any) { delete(m, "status") },
		"unknown type":                      func(m map[string]any) { m["type"] = "CORPORATE" },
		"created_at not a date-time":        func(m map[string]any) { m["created_at"] = "yesterday" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			mutate(m)
			if err := schema.VisitJSON(m, schemaOpts...); err == nil {
				t.Fatal("broken example accepted")
			}
		})
	}
}

// TestOperationsAndStatuses pins what section 7 of upvest-protocol.md says
// each operation answers, plus the auth endpoints.
func TestOperationsAndStatuses(t *testing.T) {
	doc := load(t)
	want := []struct {
		method, path string
		statuses     string
		scope        string
		headers      []string
	}{
		{"GET", "/account_groups", "200 400 401 403 406 429 500 503 504", "accounts:read", nil},
		{"POST", "/account_groups", "200 400 401 403 404 406 422 429 500 503 504", "accounts:admin", []string{"idempotency-key"}},
		{"GET", "/account_groups/{account_group_id}", "200 401 403 404 406 429 500 503 504", "accounts:read", nil},
		{"DELETE", "/account_groups/{account_group_id}", "202 401 403 404 406 409 429 500 503 504", "accounts:admin", nil},
		{"GET", "/users/{user_id}/account_groups", "200 400 401 403 404 406 429 500 503 504", "accounts:read", nil},
		{"POST", "/auth/token", "200 400 401 403 406 429 500 503 504", "", nil},
		{"GET", "/auth/verify_keys", "200 401 403 406 429 500 503 504", "webhooks:read", nil},
	}
	transport := []string{"upvest-client-id", "signature", "signature-input", "upvest-api-version"}
	if got := len(doc.Paths.Map()); got != 5 {
		t.Errorf("paths = %d, want 5", got)
	}
	for _, w := range want {
		t.Run(w.method+" "+w.path, func(t *testing.T) {
			item := doc.Paths.Find(w.path)
			if item == nil {
				t.Fatal("path missing")
			}
			op := item.GetOperation(w.method)
			if op == nil {
				t.Fatal("operation missing")
			}
			var got []string
			for code, rsp := range op.Responses.Map() {
				got = append(got, code)
				if rsp.Value.Headers["upvest-request-id"] == nil {
					t.Errorf("%s: no upvest-request-id header", code)
				}
				if code >= "400" {
					mt := rsp.Value.Content.Get("application/problem+json")
					if mt == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
						t.Errorf("%s: not application/problem+json Problem", code)
					}
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != w.statuses {
				t.Errorf("statuses = %s, want %s", strings.Join(got, " "), w.statuses)
			}
			if w.path == "/account_groups/{account_group_id}" && w.method == "DELETE" {
				if len(op.Responses.Value("202").Value.Content) != 0 {
					t.Error("202 must have no body")
				}
			}
			var first string
			if op.Security != nil && len(*op.Security) > 0 {
				first = strings.Join((*op.Security)[0]["oauth-client-credentials"], " ")
			}
			if first != w.scope {
				t.Errorf("first scope = %q, want %q", first, w.scope)
			}
			names := map[string]bool{}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				names[p.Value.In+":"+p.Value.Name] = true
			}
			for _, h := range append(slices.Clone(transport), w.headers...) {
				if !names["header:"+h] {
					t.Errorf("header %s not described", h)
				}
			}
			if w.path != "/auth/token" && !names["header:authorization"] {
				t.Error("header authorization not described")
			}
		})
	}
}
