package main

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/upvest-go/upvest/sandbox"
)

var tokenLine = regexp.MustCompile(`^upvest: method=POST path=/auth/token scopes=(\S+) status=(\d+) attempt=(\d+) request_id=\S* duration=\S+$`)

var attemptLine = regexp.MustCompile(`^upvest: method=(GET|POST) path=(/\S+) status=(\d+) attempt=(\d+) request_id=(\S+) duration=\S+( error=.+)?$`)

// -v/--verbose: one stderr line per attempt, naming the method, path,
// status, attempt, request id and duration, the token request's first
// (with its scopes); without it, nothing.
func TestVerbose(t *testing.T) {
	t.Parallel()
	var failed sync.Map // path → failed once
	w := newWorldWith(t, sandbox.Config{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/account_groups/") {
				if _, again := failed.LoadOrStore(r.URL.Path, true); !again {
					rw.Header().Set("Upvest-Request-Id", "00000000-0000-4000-8000-000000000503")
					rw.WriteHeader(http.StatusServiceUnavailable)
					return
				}
			}
			next.ServeHTTP(rw, r)
		})
	})
	id := w.create(t)
	for _, flag := range []string{"-v", "--verbose"} {
		failed.Delete("/account_groups/" + id)
		code, out, errOut := w.run(t, "account-groups", "get", id, flag)
		if code != 0 || !strings.Contains(out, id) {
			t.Fatalf("%s: exit %d, %q", flag, code, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("%s: %d lines, want the token request's and one per attempt (3):\n%s", flag, len(lines), errOut)
		}
		if m := tokenLine.FindStringSubmatch(lines[0]); m == nil || m[1] != "accounts:read" || m[2] != "200" || m[3] != "1" {
			t.Fatalf("%s: line 1 %q, want the token request", flag, lines[0])
		}
		lines = lines[1:]
		for i, want := range [][]string{
			{"GET", "/account_groups/" + id, "503", "1", "00000000-0000-4000-8000-000000000503"},
			{"GET", "/account_groups/" + id, "200", "2", ""},
		} {
			m := attemptLine.FindStringSubmatch(lines[i])
			if m == nil || m[1] != want[0] || m[2] != want[1] || m[3] != want[2] || m[4] != want[3] || (want[4] != "" && m[5] != want[4]) {
				t.Fatalf("%s: line %d %q, want %v", flag, i+1, lines[i], want)
			}
		}
	}
	// A create: one POST line; the flag may come before the command.
	code, _, errOut := w.run(t, "--verbose", "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL")
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if len(lines) != 2 || tokenLine.FindStringSubmatch(lines[0]) == nil {
		t.Fatalf("create -v: exit %d, %q: want the token request's line and the POST's", code, errOut)
	}
	if m := attemptLine.FindStringSubmatch(lines[1]); code != 0 || m == nil || m[1] != "POST" || m[2] != "/account_groups" || m[3] != "200" {
		t.Fatalf("create -v: exit %d, %q", code, errOut)
	}
	// Without the flag: nothing on stderr.
	failed.Delete("/account_groups/" + id)
	if code, _, errOut := w.run(t, "account-groups", "get", id); code != 0 || errOut != "" {
		t.Fatalf("without -v: exit %d, stderr %q", code, errOut)
	}
}
