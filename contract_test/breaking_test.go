package contracttest_test

import (
	"net/http"
	"strings"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

const validGroup = `{"created_at":"2020-08-24T14:15:22Z","id":"9d95820d-4333-46b6-98de-04ab7512e76f","securities_account_number":"123456789","status":"ACTIVE","type":"PERSONAL","updated_at":"2020-08-24T14:15:22Z","users":[{"id":"413715f2-5401-4b97-8055-034a6b879f8c","type":"OWNER"}]}`

const groupPath = "/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f"

// exchange builds a GET of one group, signed in the documented shapes, and
// its response.
func exchange(status int, ct, body string, hdr ...string) contracttest.Exchange {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1"+groupPath, nil)
	signed(req, "good")
	h := http.Header{"Content-Type": {ct}, "Upvest-Request-Id": {"169ae4c7-ebd7-4041-94da-25369653eba7"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return contracttest.Exchange{Request: req, Response: &http.Response{StatusCode: status, Header: h}, ResponseBody: []byte(body)}
}

// The contract tests can fail: answers that break the document are rejected.
func TestValidatorRejectsBrokenResponses(t *testing.T) {
	t.Parallel()
	v := newValidator(t, contracttest.Strict)
	tests := []struct {
		name, ct, body string
		status         int
		hdr            []string
		kind           contracttest.Kind // "" for a valid answer
		pointer        string
	}{
		{"valid answer (control)", "application/json", validGroup, 200, nil, "", ""},
		{"valid problem (control)", "application/problem+json", `{"type":"not_found","status":404}`, 404, nil, "", ""},
		{"8-digit securities_account_number", "application/json", strings.Replace(validGroup, "123456789", "12345678", 1), 200, nil, contracttest.KindPattern, "/securities_account_number"},
		{"undocumented status", "application/json", validGroup, 201, nil, contracttest.KindStatus, ""},
		{"undocumented error status", "application/problem+json", `{"type":"conflict","status":409}`, 409, nil, contracttest.KindStatus, ""},
		{"application/json where problem+json is declared", "application/json", `{"type":"not_found","status":404}`, 404, nil, contracttest.KindContentType, "content-type"},
		{"id not a uuid", "application/json", strings.Replace(validGroup, "9d95820d-4333-46b6-98de-04ab7512e76f", "9d95820d", 1), 200, nil, contracttest.KindFormat, "/id"},
		{"created_at not a date-time", "application/json", strings.Replace(validGroup, `"created_at":"2020-08-24T14:15:22Z"`, `"created_at":"24.08.2020"`, 1), 200, nil, contracttest.KindFormat, "/created_at"},
		{"problem without status", "application/problem+json", `{"type":"not_found"}`, 404, nil, contracttest.KindRequired, "/status"},
		{"request id not a uuid", "application/json", validGroup, 200, []string{"Upvest-Request-Id", "abc"}, contracttest.KindFormat, "upvest-request-id"},
		{"retry-after not an integer", "application/problem+json", `{"type":"too_many_requests","status":429}`, 429, []string{"Retry-After", "soon"}, contracttest.KindDecode, "retry-after"},
		{"body not JSON", "application/json", `<html>`, 200, nil, contracttest.KindDecode, ""},
		{"empty body", "application/json", ``, 200, nil, contracttest.KindDecode, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := v.Check(exchange(tt.status, tt.ct, tt.body, tt.hdr...))
			if res.Operation != "getAccountGroup" {
				t.Fatalf("operation %q", res.Operation)
			}
			if tt.kind == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("findings for a valid exchange: %v", res.Findings)
				}
				return
			}
			f := only(t, res.Findings)
			if f.Kind != tt.kind || f.Pointer != tt.pointer || !f.Response || f.Severity != contracttest.Violation {
				t.Fatalf("got %s (kind %s, pointer %q), want kind %s at %q", f, f.Kind, f.Pointer, tt.kind, tt.pointer)
			}
		})
	}
}

// And requests that break it: a forged token, a token without the scope,
// an idempotency key that is not a UUID, a missing signature.
func TestValidatorRejectsBrokenRequests(t *testing.T) {
	t.Parallel()
	v := newValidator(t, contracttest.Strict)
	// Tokens become known to the validator when it sees the token endpoint
	// issue them.
	issue(t, v, "reader", "accounts:read")
	issue(t, v, "admin", "accounts:admin")
	body := `{"user_id":"413715f2-5401-4b97-8055-034a6b879f8c","type":"PERSONAL"}`
	tests := []struct {
		name    string
		token   string
		key     string
		unsign  bool
		body    string
		kind    contracttest.Kind
		pointer string
	}{
		{"valid (control)", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", false, body, "", ""},
		{"forged token", "forged", "f1150421-2e34-42b6-aae9-52ef157065b9", false, body, contracttest.KindSecurity, "authorization"},
		{"read token on a write", "reader", "f1150421-2e34-42b6-aae9-52ef157065b9", false, body, contracttest.KindSecurity, "authorization"},
		{"idempotency key outside the published pattern", "admin", "12345", false, body, contracttest.KindPattern, "idempotency-key"},
		{"idempotency key a UUIDv7", "admin", "01a2252c-d05b-7440-b151-facb87bd4b0b", false, body, contracttest.KindPattern, "idempotency-key"},
		{"unsigned", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", true, body, contracttest.KindRequired, "signature"},
		{"unknown field", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", false, strings.Replace(body, `}`, `,"nickname":"x"}`, 1), contracttest.KindUnknownProperty, "/nickname"},
		{"unknown type", "admin", "f1150421-2e34-42b6-aae9-52ef157065b9", false, strings.Replace(body, "PERSONAL", "TRUST", 1), contracttest.KindEnum, "/type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/account_groups", nil)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", tt.key)
			signed(req, tt.token)
			if tt.unsign {
				req.Header.Del("Signature")
			}
			res := v.Check(contracttest.Exchange{Request: req, RequestBody: []byte(tt.body)})
			if tt.kind == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("findings for a valid request: %v", res.Findings)
				}
				return
			}
			f := only(t, res.Findings)
			if f.Kind != tt.kind || f.Pointer != tt.pointer || f.Response {
				t.Fatalf("got %s (kind %s, pointer %q), want kind %s at %q", f, f.Kind, f.Pointer, tt.kind, tt.pointer)
			}
		})
	}
}

func newValidator(t *testing.T, mode contracttest.Mode) *contracttest.Validator {
	t.Helper()
	v, err := contracttest.New(contracttest.Options{Mode: mode, IssuedTokensOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	issue(t, v, "good", "accounts:read")
	return v
}

// issue shows v a token exchange issuing token with scope.
func issue(t *testing.T, v *contracttest.Validator, token, scope string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/auth/token", nil)
	signed(req, "")
	req.Header.Del("Authorization")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form := "grant_type=client_credentials&client_id=ebabcf4d-61c3-4942-875c-e265a7c2d062&client_secret=s3cret-s3cret&scope=" + scope
	res := v.Check(contracttest.Exchange{Request: req, RequestBody: []byte(form),
		Response:     &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}},
		ResponseBody: []byte(`{"access_token":"` + token + `","expires_in":1799,"token_type":"bearer","scope":"` + scope + `"}`)})
	if len(res.Findings) != 0 {
		t.Fatalf("token exchange: %v", res.Findings)
	}
}

func only(t *testing.T, fs []contracttest.Finding) contracttest.Finding {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %d: %v", len(fs), fs)
	}
	return fs[0]
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
