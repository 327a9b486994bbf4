package upvest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
)

// TestDriftedCreateAccepted: a create answered 200 with a body that breaks
// a pattern of the document (a 10-digit securities account number) returns
// the group: the drift is one WARN naming operation, field and rule (not
// the value) and the findings in ResponseInfo. Strict, it is the error.
func TestDriftedCreateAccepted(t *testing.T) {
	t.Parallel()
	drifted := strings.Replace(groupJSON, "123456789", "1234567890", 1)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, drifted)
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var info upvest.ResponseInfo
	g, err := f.client(t, upvest.WithLogger(logger)).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal, upvest.WithResponseInfo(&info))
	if err != nil || g.ID != theGroup || g.SecuritiesAccountNumber != "1234567890" {
		t.Fatalf("%+v, %v: want the group as it came", g, err)
	}
	want := []upvest.Finding{{Field: "securities_account_number", Rule: "pattern ^[0-9]{9}$"}}
	if len(info.Findings) != 1 || info.Findings[0] != want[0] {
		t.Fatalf("findings %v, want %v", info.Findings, want)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "createAccountGroup") ||
		!strings.Contains(lines[0], "securities_account_number") || strings.Contains(lines[0], "1234567890") {
		t.Fatalf("log %q: want one WARN naming the operation and the field, not the value", logs.String())
	}

	_, err = f.client(t, upvest.WithStrictResponses()).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
	var respErr *upvest.ResponseError
	if !errors.As(err, &respErr) || !strings.Contains(respErr.Reason, "securities_account_number") {
		t.Fatalf("strict: err = %v, want a *ResponseError naming the field", err)
	}
}

// TestUndecodableCreateCarriesBodyAndKey: a 200 to a create that cannot
// give a group is an error with the status, the request id, the body and
// the key; the create may have happened.
func TestUndecodableCreateCarriesBodyAndKey(t *testing.T) {
	t.Parallel()
	body := `{"status":"ACTIVE","note":"no id here"}`
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	_, err := f.client(t).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
	var respErr *upvest.ResponseError
	key, ok := upvest.IdempotencyKeyOf(err)
	if !errors.As(err, &respErr) || respErr.StatusCode != 200 || respErr.RequestID != requestID || string(respErr.Body) != body || !ok ||
		key != f.requests()[0].header.Get("Idempotency-Key") {
		t.Fatalf("err = %v: want a *ResponseError with status, request id, body and the key sent", err)
	}
	if !upvest.MayHaveHappened(err) {
		t.Fatal("a 200 that could not be decoded: the create may have happened")
	}
}

// TestCreateMayHaveHappened: a failed create says whether it may have
// created the group.
func TestCreateMayHaveHappened(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []func(http.ResponseWriter) // the create's attempts, in order
		token   http.HandlerFunc
		want    bool
	}{
		{"404 unknown user", []func(http.ResponseWriter){problem(404)}, nil, false},
		{"422", []func(http.ResponseWriter){problem(422)}, nil, false},
		{"token refused before any create", nil, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 401, "unauthorized") }, false},
		{"answer lost on every attempt", []func(http.ResponseWriter){hangUp, hangUp}, nil, true},
		{"lost, then 404", []func(http.ResponseWriter){hangUp, problem(404)}, nil, false},
		{"404, then lost", []func(http.ResponseWriter){problem(404), hangUp}, nil, false},
		{"503 on every attempt", []func(http.ResponseWriter){problem(503), problem(503)}, nil, true},
		{"lost, then 429", []func(http.ResponseWriter){hangUp, problem(429)}, nil, false},
		{"409: the key in use", []func(http.ResponseWriter){problem(409)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			token := tt.token
			if token == nil {
				token = tokenOK
			}
			f := newFakeWithToken(t, token, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				tt.answers[min(i, len(tt.answers)-1)](w)
			})
			// Two attempts at most, each answered as listed.
			c := f.client(t, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: len(tt.answers), BaseDelay: 1, MaxDelay: 1}))
			if len(tt.answers) == 0 {
				c = f.client(t, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
			}
			_, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
			if err == nil {
				t.Fatal("no error")
			}
			if got := upvest.MayHaveHappened(err); got != tt.want {
				t.Fatalf("MayHaveHappened = %v, want %v (err: %v)", got, tt.want, err)
			}
		})
	}
	if upvest.MayHaveHappened(errors.New("not a create's")) {
		t.Fatal("an error that is not a create's")
	}
}

// problem answers with status as a problem+json.
func problem(status int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeProblem(w, status, "t") }
}

// TestErrorBodiesHaveNoSecret: an error answer echoing the client secret
// (a proxy's debug page, say) is kept in APIError.Body without it.
func TestErrorBodiesHaveNoSecret(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(400)
		io.WriteString(w, "<pre>client_secret="+fakeSecret+"</pre>")
	})
	_, err := f.client(t).GetAccountGroup(context.Background(), theGroup)
	var apiErr *upvest.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(string(apiErr.Body), "client_secret=[redacted]") || strings.Contains(err.Error()+string(apiErr.Body), fakeSecret) {
		t.Fatalf("err = %v, body %q: want the body kept with the secret scrubbed", err, apiErr.Body)
	}
}
