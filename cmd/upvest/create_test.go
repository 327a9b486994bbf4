package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/secrettest"
	"github.com/upvest-go/upvest/sandbox"
)

// TestFailedCreateNamesItsKey: a create whose every answer is lost (a
// gateway answers 503 after the sandbox created the group) prints one line
// naming idempotency-key=<uuid> and how to re-run with it; the re-run
// settles it with one group.
func TestFailedCreateNamesItsKey(t *testing.T) {
	t.Parallel()
	var lose atomic.Bool
	lose.Store(true)
	w := newWorldWith(t, sandbox.Config{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if lose.Load() && r.Method == http.MethodPost && r.URL.Path == "/account_groups" {
				next.ServeHTTP(httptest.NewRecorder(), r) // the create happens, its answer is lost
				rw.Header().Set("Content-Type", "application/problem+json")
				rw.WriteHeader(http.StatusBadGateway)
				io.WriteString(rw, `{"type":"bad_gateway","status":502}`)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	code, _, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL")
	m := regexp.MustCompile(`idempotency-key=([0-9a-f-]{36})`).FindStringSubmatch(errOut)
	if code != 1 || m == nil || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("failed create: exit %d, stderr %q: want one line naming the idempotency key", code, errOut)
	}
	key := m[1]
	if !strings.Contains(errOut, "may have happened: re-run it with --idempotency-key "+key) {
		t.Fatalf("stderr %q does not say to re-run with --idempotency-key %s", errOut, key)
	}
	lose.Store(false)
	code, out, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL", "--idempotency-key", key)
	var g upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil {
		t.Fatalf("re-run: exit %d, %q", code, errOut)
	}
	if all := w.sb.AccountGroups(); len(all) != 1 || all[0].ID != g.ID {
		t.Fatalf("%d groups after the re-run, want the one first created", len(all))
	}
}

// TestFailedCreateThatDidNotHappen: a create refused for good (an unknown
// user) or never sent (the token request refused) says nothing about
// re-running: it did not happen.
func TestFailedCreateThatDidNotHappen(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]sandbox.Faults{
		"unknown user":          {},
		"token request refused": {ServerErrors: 1, ServerErrorStatuses: []int{503}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.sb.SetFaults(faults)
			user := w.user
			if name == "unknown user" {
				user = "00000000-0000-4000-8000-000000000000"
			}
			code, _, errOut := w.run(t, "account-groups", "create", "--user-id", user, "--type", "PERSONAL")
			if code != 1 || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "may have happened") || strings.Contains(errOut, "re-run") {
				t.Fatalf("exit %d, stderr %q: want one line and no advice to re-run", code, errOut)
			}
		})
	}
}

// TestIdempotencyReferenceFlag: --idempotency-reference makes a repeated
// create (another process) return the first group.
func TestIdempotencyReferenceFlag(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var outs []string
	for i := 0; i < 2; i++ {
		code, out, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL", "--idempotency-reference", "order-42")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		outs = append(outs, out)
	}
	if outs[0] != outs[1] || len(w.sb.AccountGroups()) != 1 {
		t.Fatalf("two creates with one reference: %d groups", len(w.sb.AccountGroups()))
	}
	code, _, _ := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL",
		"--idempotency-reference", "order-42", "--idempotency-key", "f1150421-2e34-42b6-aae9-52ef157065b9")
	if code != 2 {
		t.Fatalf("reference and key together: exit %d, want 2", code)
	}
}

// TestTokenEchoNeverReachesStderr: a token endpoint echoing the form puts
// no form of the secret on the CLI's stderr.
func TestTokenEchoNeverReachesStderr(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":%q}`, string(body)+" "+r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	w := newWorld(t)
	w.env["UPVEST_BASE_URL"] = srv.URL
	w.env["UPVEST_CLIENT_SECRET"] = secrettest.Hostile
	code, _, errOut := w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if code != 1 || !strings.Contains(errOut, "invalid_request") {
		t.Fatalf("exit %d, stderr without the endpoint's answer", code)
	}
	if leaks := secrettest.Leaks(errOut, secrettest.Hostile); len(leaks) > 0 {
		t.Fatalf("stderr shows %v", leaks)
	}
}
