package contracttest_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

var unknownID = mustUUID("00000000-0000-4000-8000-000000000000")

// call makes one call of operation op.
func (w *world) call(ctx context.Context, op string, id gen.AccountGroupID, eds ...gen.RequestEditorFn) (*http.Response, error) {
	c := w.client
	switch op {
	case "getAccountGroup":
		return c.GetAccountGroup(ctx, id, eds...)
	case "closeAccountGroup":
		return c.CloseAccountGroup(ctx, id, eds...)
	case "listAccountGroups":
		return c.ListAccountGroups(ctx, &gen.ListAccountGroupsParams{}, eds...)
	case "listUserAccountGroups":
		return c.ListUserAccountGroups(ctx, w.user, &gen.ListUserAccountGroupsParams{}, eds...)
	case "createAccountGroup":
		eds = append([]gen.RequestEditorFn{middleware.IdempotencyKeyEditor("")}, eds...)
		return c.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserID: w.user, Type: gen.AccountGroupTypePersonal}, eds...)
	case "getWebhookVerifyKeys":
		return c.GetWebhookVerifyKeys(ctx, eds...)
	case "requestToken":
		return w.token(ctx, url.Values{"grant_type": {"client_credentials"}, "client_id": {w.sb.ClientID()}, "client_secret": {w.sb.ClientSecret()}, "scope": {"accounts:read"}}, eds...)
	}
	panic("unknown operation " + op)
}

// token posts a token request form, signed, as the middleware would.
func (w *world) token(ctx context.Context, form url.Values, eds ...gen.RequestEditorFn) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.url+"/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Upvest-Api-Version", "1")
	for _, ed := range eds {
		_ = ed(ctx, req)
	}
	return w.tokenClient.Do(req)
}

// scenario makes operation op answer status. requestValid says whether the
// request it sends is valid against the document (some statuses can only be
// had with a request the document forbids, such as a token without the
// operation's scope).
type scenario struct {
	op, name     string
	status       int
	requestValid bool
	run          func(t *testing.T, w *world, op string) (*http.Response, error)
}

func plain(t *testing.T, w *world, op string) (*http.Response, error) {
	return w.call(context.Background(), op, w.group(t, true))
}

// scenarios are the generic ones of every operation of the generated table
// (success, 406, injected faults, a spoiled signature, a missing scope),
// then each operation's own. A new operation in the document gets the
// generic scenarios through gen.Operations; it adds its case to world.call
// and the scenarios of its own statuses.
func scenarios() []scenario {
	var out []scenario
	for _, o := range gen.Operations {
		op := o.ID
		ok := 200
		if op == "closeAccountGroup" {
			ok = 202
		}
		out = append(out,
			scenario{op, "success", ok, true, plain},
			scenario{op, "accept text/html", 406, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
				return w.call(context.Background(), op, w.group(t, true), acceptHTML)
			}},
		)
		for _, status := range []int{429, 500, 503, 504} {
			out = append(out, scenario{op, "injected fault", status, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
				id := w.group(t, true)
				if status == 429 {
					w.sb.SetFaults(sandbox.Faults{RateLimited: 1, RetryAfter: 1})
				} else {
					w.sb.SetFaults(sandbox.Faults{ServerErrors: 1, ServerErrorStatuses: []int{status}})
				}
				defer w.sb.SetFaults(sandbox.Faults{})
				return w.call(context.Background(), op, id)
			}})
		}
		if op == "requestToken" {
			out = append(out,
				scenario{op, "wrong secret", 401, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
					return w.token(context.Background(), url.Values{"grant_type": {"client_credentials"}, "client_id": {w.sb.ClientID()}, "client_secret": {"nope"}, "scope": {"accounts:read"}})
				}},
				scenario{op, "a scope the client is not granted", 403, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
					return w.token(context.Background(), url.Values{"grant_type": {"client_credentials"}, "client_id": {w.sb.ClientID()}, "client_secret": {w.sb.ClientSecret()}, "scope": {deniedScope}})
				}},
				scenario{op, "grant type password", 400, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
					return w.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {w.sb.ClientID()}, "client_secret": {w.sb.ClientSecret()}, "scope": {"accounts:read"}})
				}},
			)
			continue
		}
		out = append(out,
			scenario{op, "signature spoiled", 401, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
				id := w.group(t, true)
				w.setTamper(spoilSignature)
				defer w.setTamper(nil)
				return w.call(context.Background(), op, id)
			}},
			scenario{op, "token without the scope", 403, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
				scope := "webhooks:read"
				if op == "getWebhookVerifyKeys" {
					scope = "accounts:admin"
				}
				return w.call(middleware.WithScopes(context.Background(), scope), op, w.group(t, true))
			}},
		)
	}
	for _, op := range []string{"getAccountGroup", "closeAccountGroup"} {
		out = append(out, scenario{op, "unknown id", 404, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
			return w.call(context.Background(), op, unknownID)
		}})
	}
	out = append(out,
		scenario{"closeAccountGroup", "pending group", 409, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
			return w.call(context.Background(), op, w.group(t, false))
		}},
		scenario{"listUserAccountGroups", "unknown user", 404, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
			return w.client.ListUserAccountGroups(context.Background(), unknownID, nil)
		}},
		scenario{"listUserAccountGroups", "limit over 1000", 400, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
			limit := gen.Limit(5000)
			return w.client.ListUserAccountGroups(context.Background(), w.user, &gen.ListUserAccountGroupsParams{Limit: &limit})
		}},
		scenario{"listAccountGroups", "limit over 1000", 400, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
			limit := gen.Limit(5000)
			return w.client.ListAccountGroups(context.Background(), &gen.ListAccountGroupsParams{Limit: &limit})
		}},
		scenario{"createAccountGroup", "unknown user", 404, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
			return w.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: unknownID, Type: gen.AccountGroupTypePersonal}, middleware.IdempotencyKeyEditor(""))
		}},
		// The document does not forbid other properties, so the sandbox
		// accepts one; strict mode closes the request schema, so the
		// validator still finds it.
		scenario{"createAccountGroup", "unknown field", 200, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
			body := `{"user_id":"` + w.user.String() + `","type":"PERSONAL","nickname":"x"}`
			return w.client.CreateAccountGroupWithBody(context.Background(), "application/json", strings.NewReader(body), middleware.IdempotencyKeyEditor(""))
		}},
		scenario{"createAccountGroup", "type not in the enum", 400, false, func(t *testing.T, w *world, op string) (*http.Response, error) {
			body := `{"user_id":"` + w.user.String() + `","type":"CORPORATE"}`
			return w.client.CreateAccountGroupWithBody(context.Background(), "application/json", strings.NewReader(body), middleware.IdempotencyKeyEditor(""))
		}},
		scenario{"createAccountGroup", "key reused with another body", 422, true, func(t *testing.T, w *world, op string) (*http.Response, error) {
			key := middleware.NewIdempotencyKey()
			resp, err := w.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: w.user, Type: gen.AccountGroupTypePersonal}, middleware.IdempotencyKeyEditor(key))
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
			return w.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: w.user, Type: gen.AccountGroupTypeLegalEntity}, middleware.IdempotencyKeyEditor(key))
		}},
	)
	return out
}

func TestContract(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Webhook deliveries are validated against the envelope schema too.
	hooks := newHookValidator(t, w)
	w.sb.Subscribe(hooks.url)

	invalidRequests := 0
	for _, sc := range scenarios() {
		t.Run(sc.op+"/"+strconv.Itoa(sc.status)+"/"+sc.name, func(t *testing.T) {
			resp, err := sc.run(t, w, sc.op)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			ex, ok := w.last(sc.op)
			if !ok || ex.Status != sc.status || resp.StatusCode != sc.status {
				t.Fatalf("got %d (last exchange %+v), want %d", resp.StatusCode, ex, sc.status)
			}
			reqFindings, respFindings := split(ex)
			for _, f := range respFindings {
				t.Errorf("response breaks the document: %s", f)
			}
			if sc.requestValid {
				for _, f := range reqFindings {
					t.Errorf("request breaks the document: %s", f)
				}
			} else {
				invalidRequests++
				if len(reqFindings) == 0 {
					t.Errorf("the validator accepted a request the document forbids")
				}
			}
		})
	}

	// Every response validated; only the deliberately invalid requests failed.
	failedRequests := 0
	seen := map[string]bool{}
	for _, ex := range w.rec.Results() {
		reqFindings, respFindings := split(ex)
		for _, f := range respFindings {
			t.Errorf("response invalid: %s", f)
		}
		if len(reqFindings) > 0 {
			failedRequests++
		}
		seen[ex.Operation+" "+strconv.Itoa(ex.Status)] = true
	}
	if failedRequests != invalidRequests {
		t.Errorf("%d requests failed validation, %d were meant to", failedRequests, invalidRequests)
	}
	// Every documented status of every operation was produced and validated.
	var missing []string
	for _, item := range w.doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if !seen[op.OperationID+" "+code] {
					missing = append(missing, op.OperationID+" "+code)
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("documented statuses never exercised: %v", missing)
	}
	hooks.check(t)
}
