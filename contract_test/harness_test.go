// Package contract_test validates, with kin-openapi's openapi3filter, every
// request the client sends and every response the sandbox returns against
// openapi/account-groups.yaml, for every operation and every documented
// status, plus the webhook envelope the sandbox delivers.
package contract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/upvest-go/upvest/openapi"
)

// schemaOptions enforce format: uuid, which kin-openapi skips by default.
var schemaOptions = []openapi3.SchemaValidationOption{
	openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
}

// exchange is one validated request/response pair.
type exchange struct {
	op          string
	status      int
	requestErr  error
	responseErr error
}

// validator wraps a handler (the sandbox) and validates both directions.
type validator struct {
	doc    *openapi3.T
	router routers.Router

	mu        sync.Mutex
	tokens    map[string][]string // access tokens the token endpoint issued, with their scopes
	exchanges []exchange
}

// loadDoc loads the document with its servers pointed at serverURL.
func loadDoc(t testing.TB, serverURL string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

func newValidator(t testing.TB, serverURL string) *validator {
	doc := loadDoc(t, serverURL)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{doc: doc, router: router, tokens: map[string][]string{}}
}

func (v *validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              false,
		AuthenticationFunc:      v.authenticate,
		SchemaValidationOptions: schemaOptions,
	}
}

// authenticate really checks the bearer token: one the token endpoint
// issued, holding the scopes the security requirement names.
func (v *validator) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "oauth-client-credentials" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	raw, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return errors.New("no bearer token")
	}
	v.mu.Lock()
	scopes, issued := v.tokens[raw]
	v.mu.Unlock()
	if !issued {
		return errors.New("bearer token was never issued by the token endpoint")
	}
	for _, need := range in.Scopes {
		if !slices.Contains(scopes, need) {
			return fmt.Errorf("token lacks scope %s", need)
		}
	}
	return nil
}

// wrap validates every request to next and every response from it.
func (v *validator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		view := r.Clone(r.Context())
		view.URL.Scheme, view.URL.Host = "http", r.Host
		view.Body = io.NopCloser(bytes.NewReader(body))
		ex := exchange{op: "unrouted"}
		route, params, err := v.router.FindRoute(view)
		var in *openapi3filter.RequestValidationInput
		if err != nil {
			ex.requestErr = err
		} else {
			ex.op = route.Operation.OperationID
			in = &openapi3filter.RequestValidationInput{Request: view, PathParams: params, Route: route, Options: v.options()}
			ex.requestErr = openapi3filter.ValidateRequest(r.Context(), in)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		ex.status = rec.Code
		if in != nil {
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: v.options()}
			out.SetBodyBytes(rec.Body.Bytes())
			ex.responseErr = openapi3filter.ValidateResponse(r.Context(), out)
		}
		if ex.op == "requestToken" && rec.Code == 200 {
			v.recordToken(rec.Body.Bytes())
		}
		v.mu.Lock()
		v.exchanges = append(v.exchanges, ex)
		v.mu.Unlock()
		for k, vals := range rec.Header() {
			w.Header()[k] = vals
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// last returns the latest exchange of operation op.
func (v *validator) last(op string) (exchange, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := len(v.exchanges) - 1; i >= 0; i-- {
		if v.exchanges[i].op == op {
			return v.exchanges[i], true
		}
	}
	return exchange{}, false
}

func (v *validator) all() []exchange {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.exchanges)
}

func (v *validator) recordToken(body []byte) {
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := jsonUnmarshal(body, &tok); err == nil {
		v.mu.Lock()
		v.tokens[tok.AccessToken] = strings.Fields(tok.Scope)
		v.mu.Unlock()
	}
}
