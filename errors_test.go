package upvest_test

import (
	"github.com/google/uuid"

	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/openapi"
)

// calls maps each operation of the document to the facade method that
// makes it.
var calls = map[string]func(context.Context, *upvest.Client) error{
	"getAccountGroup": func(ctx context.Context, c *upvest.Client) error {
		_, err := c.GetAccountGroup(ctx, theGroup)
		return err
	},
	"listAccountGroups": func(ctx context.Context, c *upvest.Client) error {
		_, err := c.ListAccountGroups(ctx, nil)
		return err
	},
	"listUserAccountGroups": func(ctx context.Context, c *upvest.Client) error {
		_, err := c.ListUserAccountGroups(ctx, theUser, nil)
		return err
	},
	"createAccountGroup": func(ctx context.Context, c *upvest.Client) error {
		_, err := c.CreateAccountGroup(ctx, theUser, upvest.TypePersonal)
		return err
	},
	"closeAccountGroup":    func(ctx context.Context, c *upvest.Client) error { return c.CloseAccountGroup(ctx, theGroup) },
	"getWebhookVerifyKeys": func(ctx context.Context, c *upvest.Client) error { _, err := c.WebhookKeys(ctx); return err },
}

var sentinels = map[int]error{
	400: upvest.ErrBadRequest, 401: upvest.ErrUnauthorized, 403: upvest.ErrForbidden, 404: upvest.ErrNotFound,
	409: upvest.ErrConflict, 422: upvest.ErrUnprocessable, 429: upvest.ErrRateLimited,
	500: upvest.ErrServer, 503: upvest.ErrServer, 504: upvest.ErrServer,
}

// TestEveryDocumentedErrorStatus drives each operation of the OpenAPI
// document into each error status it documents and checks the *APIError.
func TestEveryDocumentedErrorStatus(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			call, ok := calls[op.OperationID]
			if !ok {
				if op.OperationID != "requestToken" {
					t.Errorf("operation %s has no facade method", op.OperationID)
				}
				continue
			}
			var codes []int
			for code := range op.Responses.Map() {
				c, _ := strconv.Atoi(code)
				if c >= 400 {
					codes = append(codes, c)
				}
			}
			sort.Ints(codes)
			for _, status := range codes {
				n++
				t.Run(op.OperationID+"/"+strconv.Itoa(status), func(t *testing.T) {
					f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
						if status == 429 {
							w.Header().Set("Retry-After", "7")
						}
						writeProblem(w, status, "type_"+strconv.Itoa(status))
					})
					c := f.client(t, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
					err := call(context.Background(), c)
					var apiErr *upvest.APIError
					if !errors.As(err, &apiErr) {
						t.Fatalf("err = %v, want *APIError", err)
					}
					if apiErr.StatusCode != status || apiErr.Type != "type_"+strconv.Itoa(status) || apiErr.Detail != "what went wrong" ||
						apiErr.Instance != "/errors/1" || apiErr.RequestID != requestID || apiErr.HeaderRequestID != requestID || apiErr.Title != "t" {
						t.Fatalf("APIError %+v", apiErr)
					}
					if status == 429 && apiErr.RetryAfter.Seconds() != 7 {
						t.Fatalf("RetryAfter %v", apiErr.RetryAfter)
					}
					if want := sentinels[status]; want != nil && !errors.Is(err, want) {
						t.Fatalf("errors.Is(%v) false", want)
					}
					for s, other := range sentinels {
						if s/100 != status/100 || (s < 500 && s != status) {
							if errors.Is(err, other) && other != sentinels[status] {
								t.Fatalf("also matches %v", other)
							}
						}
					}
					if !strings.Contains(err.Error(), strconv.Itoa(status)) || !strings.Contains(err.Error(), requestID) {
						t.Fatalf("message lacks status or request id: %v", err)
					}
				})
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d cases: the document walk is broken", n)
	}
}

// Answers that cannot give the typed result (and, under
// WithStrictResponses, answers that break the document at all) give typed
// errors carrying status, request id and body.
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		ct     string
		body   string
		reason string
	}{
		{"HTML from a proxy", 502, "text/html", "<html><body>502 Bad Gateway</body></html>", "want application/problem+json"},
		{"truncated JSON", 200, "application/json", groupJSON[:40], "malformed JSON"},
		{"wrong content type", 200, "text/plain", groupJSON, "want application/json"},
		{"no id", 200, "application/json", `{"status":"ACTIVE","type":"PERSONAL"}`, "account group without id"},
		{"strict: missing fields", 200, "application/json", `{"id":"` + groupID + `"}`, "status: required"},
		{"strict: 8-digit securities account", 200, "application/json", strings.Replace(groupJSON, "123456789", "12345678", 1), "securities_account_number: pattern ^[0-9]{9}$"},
		{"undocumented status", 201, "application/json", groupJSON, "status not in the API document"},
		{"problem without type", 404, "application/problem+json", `{"title":"x"}`, "problem without type"},
		{"truncated problem", 404, "application/problem+json", `{"type":"not_fo`, "malformed problem+json"},
		{"oversize", 200, "application/json", `{"x":"` + strings.Repeat("a", 2048) + `"}`, "body exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ct)
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			opts := []upvest.Option{upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}), upvest.WithMaxResponseBytes(1024)}
			if strings.HasPrefix(tt.name, "strict") {
				opts = append(opts, upvest.WithStrictResponses())
			}
			_, err := f.client(t, opts...).GetAccountGroup(context.Background(), theGroup)
			var respErr *upvest.ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("err = %v, want *ResponseError", err)
			}
			if respErr.StatusCode != tt.status || respErr.RequestID != requestID || !strings.Contains(respErr.Reason, tt.reason) {
				t.Fatalf("ResponseError %+v", respErr)
			}
			// The body as it came, for what the typed fields miss (none is
			// read whole past the size limit).
			if want := tt.body; !strings.Contains(tt.name, "oversize") && string(respErr.Body) != want {
				t.Fatalf("ResponseError.Body %q, want %q", respErr.Body, want)
			}
			if tt.status >= 400 {
				var apiErr *upvest.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || apiErr.ID() != requestID || string(apiErr.Body) != tt.body {
					t.Fatalf("want *APIError too, with the body: %v", err)
				}
			}
		})
	}
}

// Unknown enum values (newer API versions) decode without error.
func TestUnknownEnumValuesDecode(t *testing.T) {
	t.Parallel()
	body := strings.Replace(strings.Replace(groupJSON, `"ACTIVE"`, `"NOT_IN_THE_DOCUMENT"`, 1), `"OWNER"`, `"NOT_IN_THE_DOCUMENT_EITHER"`, 1)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
	g, err := f.client(t).GetAccountGroup(context.Background(), theGroup)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != "NOT_IN_THE_DOCUMENT" || g.Status.Valid() || g.Users[0].Type != "NOT_IN_THE_DOCUMENT_EITHER" || g.Users[0].Type.Valid() {
		t.Fatalf("%+v", g)
	}
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	c := f.client(t)
	ctx := context.Background()
	errs := []error{
		func() error { _, err := c.GetAccountGroup(ctx, uuid.Nil); return err }(),
		c.CloseAccountGroup(ctx, uuid.Nil),
		func() error { _, err := c.CreateAccountGroup(ctx, uuid.Nil, upvest.TypePersonal); return err }(),
		func() error { _, err := c.ListUserAccountGroups(ctx, uuid.Nil, nil); return err }(),
		func() error {
			_, err := c.CreateAccountGroup(ctx, theUser, upvest.AccountGroupType("CORPORATE"))
			return err
		}(),
		func() error { _, err := c.CreateAccountGroup(ctx, theUser, upvest.AccountGroupType("")); return err }(),
		func() error {
			_, err := c.CreateAccountGroup(ctx, theUser, upvest.TypePersonal, upvest.WithIdempotencyKey("not-a-uuid"))
			return err
		}(),
		func() error { _, err := c.ListAccountGroups(ctx, &upvest.ListParams{Limit: 1001}); return err }(),
		func() error { _, err := c.ListAccountGroups(ctx, &upvest.ListParams{Offset: -1}); return err }(),
		func() error {
			_, err := c.ListUserAccountGroups(ctx, theUser, &upvest.ListParams{Order: upvest.SortOrder("UP")})
			return err
		}(),
	}
	for i, err := range errs {
		if !errors.Is(err, upvest.ErrInvalidArgument) {
			t.Errorf("%d: %v", i, err)
		}
	}
}
