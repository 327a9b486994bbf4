package contract_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

const validGroup = `{"created_at":"2020-08-24T14:15:22Z","id":"9d95820d-4333-46b6-98de-04ab7512e76f","securities_account_number":"123456789","status":"ACTIVE","type":"PERSONAL","updated_at":"2020-08-24T14:15:22Z","users":[{"id":"413715f2-5401-4b97-8055-034a6b879f8c","type":"OWNER"}]}`

// The contract tests can fail: answers that break the document are rejected.
func TestValidatorRejectsBrokenResponses(t *testing.T) {
	const base = "http://127.0.0.1:1"
	v := newValidator(t, base)
	v.tokens["good"] = []string{"accounts:read"}
	tests := []struct {
		name, ct, body string
		status         int
		valid          bool
	}{
		{"valid answer (control)", "application/json", validGroup, 200, true},
		{"valid problem (control)", "application/problem+json", `{"type":"not_found","status":404}`, 404, true},
		{"8-digit securities_account_number", "application/json", strings.Replace(validGroup, "123456789", "12345678", 1), 200, false},
		{"undocumented status", "application/json", validGroup, 201, false},
		{"undocumented error status", "application/problem+json", `{"type":"conflict","status":409}`, 409, false},
		{"application/json where problem+json is declared", "application/json", `{"type":"not_found","status":404}`, 404, false},
		{"id not a uuid", "application/json", strings.Replace(validGroup, "9d95820d-4333-46b6-98de-04ab7512e76f", "9d95820d", 1), 200, false},
		{"problem without status", "application/problem+json", `{"type":"not_found"}`, 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f", nil)
			signed(req, "good")
			route, params, err := v.router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.options()}
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("control request invalid: %v", err)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: tt.status,
				Header: http.Header{"Content-Type": {tt.ct}, "Upvest-Request-Id": {"169ae4c7-ebd7-4041-94da-25369653eba7"}}, Options: v.options()}
			out.SetBodyBytes([]byte(tt.body))
			err = openapi3filter.ValidateResponse(context.Background(), out)
			if tt.valid != (err == nil) {
				t.Fatalf("valid=%v, err=%v", tt.valid, err)
			}
		})
	}
}

// And requests that break it: a forged token, a token without the scope,
// an idempotency key that is not a UUID, a missing signature.
func TestValidatorRejectsBrokenRequests(t *testing.T) {
	const base = "http://127.0.0.1:1"
	v := newValidator(t, base)
	v.tokens["reader"] = []string{"accounts:read"}
	v.tokens["admin"] = []string{"accounts:admin"}
	body := `{"user_id":"413715f2-5401-4b97-8055-034a6b879f8c","type":"PERSONAL"}`
	tests := []struct {
		name   string
		token  string
		key    string
		unsign bool
		valid  bool
	}{
		{"valid (control)", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", false, true},
		{"forged token", "forged", "f1150421-2e34-42b6-aae9-52ef157065b9", false, false},
		{"read token on a write", "reader", "f1150421-2e34-42b6-aae9-52ef157065b9", false, false},
		{"idempotency key not a uuid", "admin", "12345", false, false},
		{"unsigned", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/account_groups", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", tt.key)
			signed(req, tt.token)
			if tt.unsign {
				req.Header.Del("Signature")
			}
			route, params, err := v.router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.options()})
			if tt.valid != (err == nil) {
				t.Fatalf("valid=%v, err=%v", tt.valid, err)
			}
		})
	}
}

// signed adds the transport headers in their documented shapes.
func signed(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upvest-Client-Id", "ebabcf4d-61c3-4942-875c-e265a7c2d062")
	req.Header.Set("Upvest-Api-Version", "1")
	req.Header.Set("Upvest-Signature-Version", "15")
	req.Header.Set("Signature-Input", `sig1=("@method" "@path" "upvest-client-id");keyid="k";created=1;expires=2;nonce="n"`)
	req.Header.Set("Signature", "sig1=:aGVsbG8=:")
}
