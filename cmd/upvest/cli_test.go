package main

// Issue 20: a CLI operators enjoy. Help on every command, one wrong flag
// named per usage error, credentials named by their flags and variables,
// --verbose, close saying what happened, the sandbox's faults and
// subscriptions, webhooks keys, and the two-terminal walk-through.

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
	"github.com/upvest-go/upvest/webhook"
)

// newWorldWith is newWorld with a sandbox built from cfg and served behind
// front (nil: none), on 127.0.0.1.
func newWorldWith(t *testing.T, cfg sandbox.Config, front func(http.Handler) http.Handler) *world {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sb
	if front != nil {
		h = front(sb)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, creds.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &world{sb: sb, user: sb.NewUser().String(), env: map[string]string{
		"UPVEST_BASE_URL": srv.URL, "UPVEST_CLIENT_ID": creds.ClientID, "UPVEST_CLIENT_SECRET": creds.ClientSecret,
		"UPVEST_KEY_ID": creds.KeyID, "UPVEST_PRIVATE_KEY_FILE": keyFile,
	}}
}

// create makes a group through the CLI and returns its id.
func (w *world) create(t *testing.T) string {
	t.Helper()
	code, out, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL")
	var g upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	return g.ID.String()
}

// --help and -h on every command and subcommand print that command's
// usage on stdout and exit 0; so does `upvest help COMMAND…`.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env["UPVEST_CLIENT_SECRET"] = "s3cret-never-in-help"
	w.env["UPVEST_WEBHOOK_REDIS_URL"] = "redis://:hunter2-never-in-help@redis:6379/0"
	for _, tc := range []struct {
		path []string
		want []string // in the usage
	}{
		{nil, []string{"account-groups create", "webhooks keys", "sandbox", "--version", "--help"}},
		{[]string{"account-groups"}, []string{"account-groups get ID", "create", "list", "close", "wait"}},
		{[]string{"account-groups", "get"}, []string{"ID", "-v, --verbose", "--client-id", "UPVEST_CLIENT_ID", "--private-key-file", "--client-secret-file", "--private-key-passphrase-file"}},
		{[]string{"account-groups", "create"}, []string{"--user-id", "--type", "PERSONAL", "LEGAL_ENTITY", "--idempotency-key", "--idempotency-reference", "--verbose"}},
		{[]string{"account-groups", "list"}, []string{"--limit", "1 to 1000", "--offset", "--order", "--all"}},
		{[]string{"account-groups", "close"}, []string{"ID", "CLOSING"}},
		{[]string{"account-groups", "wait"}, []string{"--status", "--timeout", "default 5m0s"}},
		{[]string{"users"}, []string{"users account-groups USER_ID"}},
		{[]string{"users", "account-groups"}, []string{"USER_ID", "--limit", "--all"}},
		{[]string{"webhooks"}, []string{"webhooks listen", "webhooks keys"}},
		{[]string{"webhooks", "listen"}, []string{"--addr", "--jwks-file", "--redis", "UPVEST_WEBHOOK_REDIS_URL", "--read-timeout", "--shutdown-timeout"}},
		{[]string{"webhooks", "keys"}, []string{"JWKS", "--jwks-file", "--verbose"}},
		{[]string{"contract"}, []string{"contract check"}},
		{[]string{"contract", "check"}, []string{"--strict", "--write", "--user-id"}},
		{[]string{"sandbox"}, []string{"--addr", "--key-file", "--client-id", "--key-id", "--users", "--subscribe", "--rate-limited", "--retry-after", "--server-errors", "--lost-answers", "--latency", "--seed", "--approval-delay", "--closing-delay"}},
		{[]string{"demo"}, nil},
	} {
		name := strings.Join(append([]string{"upvest"}, tc.path...), " ")
		var outs []string
		for _, args := range [][]string{
			append(slices.Clone(tc.path), "--help"),
			append(slices.Clone(tc.path), "-h"),
			append([]string{"help"}, tc.path...),
		} {
			code, out, errOut := w.run(t, args...)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: "+name) {
				t.Errorf("%q: exit %d, stderr %q, stdout %.80q…; want exit 0 and usage: %s on stdout", args, code, errOut, out, name)
				continue
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("%q: usage lacks %q:\n%s", args, want, out)
				}
			}
			for _, secret := range []string{"s3cret-never-in-help", "hunter2-never-in-help"} {
				if strings.Contains(out, secret) {
					t.Errorf("%q: usage shows a secret from the environment", args)
				}
			}
			outs = append(outs, out)
		}
		if len(outs) == 3 && (outs[0] != outs[1] || outs[0] != outs[2]) {
			t.Errorf("%s: --help, -h and help differ", name)
		}
	}
	// --help wins over the flags and arguments around it.
	for _, args := range [][]string{
		{"help", "help"},
		{"help", "--help"},
		{"account-groups", "create", "--user-id", "nope", "--help"},
		{"account-groups", "get", "not-a-uuid", "--help"},
		{"sandbox", "--rate-limited", "2", "-h"},
	} {
		want := "usage: upvest " + args[0]
		if args[0] == "help" {
			want = "usage: upvest <command>"
		}
		if code, out, errOut := w.run(t, args...); code != 0 || errOut != "" || !strings.HasPrefix(out, want) {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, errOut := w.run(t, args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "upvest "+upvest.Version) || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

var flagName = regexp.MustCompile(`--[a-z][a-z-]*`)

// A wrong flag or argument is one line on stderr naming that flag (and no
// other), exit 2, nothing sent, no usage text dumped.
func TestValidationNamesTheWrongFlag(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer api.Close()
	w := newWorld(t)
	w.env["UPVEST_BASE_URL"] = api.URL
	id, user := "9d95820d-4333-46b6-98de-04ab7512e76f", w.user
	create := []string{"account-groups", "create"}
	for _, tc := range []struct {
		args []string
		flag string // the one flag named; "" when an argument is wrong
		want string // also in the message
	}{
		{append(create, "--user-id", user, "--type", "BUSINESS"), "--type", `"BUSINESS"`},
		{append(create, "--user-id", user), "--type", "PERSONAL or LEGAL_ENTITY"},
		{append(create, "--type", "PERSONAL"), "--user-id", "required"},
		{append(create, "--user-id", "bob", "--type", "PERSONAL"), "--user-id", "UUID"},
		{append(create, "--user-id", user, "--type", "PERSONAL", "--idempotency-key", "k-1"), "--idempotency-key", "UUID"},
		{append(create, "--user-id", user, "--type", "PERSONAL", "--idempotency-reference", ""), "--idempotency-reference", "empty"},
		{[]string{"account-groups", "list", "--limit", "5000"}, "--limit", "5000"},
		{[]string{"account-groups", "list", "--limit", "0"}, "--limit", "1 to 1000"},
		{[]string{"account-groups", "list", "--order", "sideways"}, "--order", `"sideways"`},
		{[]string{"account-groups", "list", "--limit", "5000", "--order", "sideways"}, "--limit", "5000"},
		{[]string{"account-groups", "list", "--offset", "-1"}, "--offset", "-1"},
		{[]string{"account-groups", "list", "--limit", "many"}, "--limit", `"many"`},
		{[]string{"account-groups", "list", "--bogus"}, "--bogus", "not defined"},
		{[]string{"account-groups", "list", "--limit"}, "--limit", "argument"},
		{[]string{"account-groups", "list", "--all=maybe"}, "--all", `"maybe"`},
		{[]string{"users", "account-groups", user, "--limit", "0"}, "--limit", "1 to 1000"},
		{[]string{"account-groups", "wait", id}, "--status", "required"},
		{[]string{"account-groups", "wait", id, "--status", "SLEEPING"}, "--status", `"SLEEPING"`},
		{[]string{"account-groups", "wait", id, "--status", "ACTIVE", "--timeout", "0s"}, "--timeout", "positive"},
		{[]string{"webhooks", "listen"}, "--addr", "required"},
		{[]string{"sandbox", "--rate-limited", "1.5"}, "--rate-limited", "0 to 1"},
		{[]string{"sandbox", "--server-errors", "-0.1"}, "--server-errors", "0 to 1"},
		{[]string{"sandbox", "--lost-answers", "2"}, "--lost-answers", "0 to 1"},
		{[]string{"sandbox", "--latency", "-1s"}, "--latency", "-1s"},
		{[]string{"sandbox", "--retry-after", "-1"}, "--retry-after", "-1"},
		{[]string{"sandbox", "--seed", "x"}, "--seed", `"x"`},
		{[]string{"sandbox", "--approval-delay", "-1s"}, "--approval-delay", "-1s"},
		{[]string{"sandbox", "--closing-delay", "-1s"}, "--closing-delay", "-1s"},
		{[]string{"sandbox", "--subscribe", "localhost:9000/webhooks"}, "--subscribe", "http"},
		{[]string{"sandbox", "--subscribe", "ftp://127.0.0.1/x"}, "--subscribe", "http"},
		{[]string{"sandbox", "--users", "0"}, "--users", "1 to 1000"},
		{[]string{"sandbox", "--client-id", "a b"}, "--client-id", `"a b"`},
		{[]string{"sandbox", "--key-id", `k"1`}, "--key-id", "letters"},
		{[]string{"account-groups", "get", "not-a-uuid"}, "", `ID must be a UUID, not "not-a-uuid"`},
		{[]string{"account-groups", "close", "42"}, "", `ID must be a UUID, not "42"`},
		{[]string{"account-groups", "wait", "42", "--status", "ACTIVE"}, "", `ID must be a UUID`},
		{[]string{"users", "account-groups", "bob"}, "", `USER_ID must be a UUID, not "bob"`},
		{[]string{"account-groups", "get"}, "", "ID is required"},
		{[]string{"account-groups", "get", id, id}, "", "one ID"},
		{[]string{"account-groups", "list", id}, "", "no arguments"},
		{[]string{"account-groups"}, "", "get, create, list, close or wait"},
		{[]string{"account-groups", "frobnicate"}, "", `"frobnicate"`},
		{[]string{"users"}, "", "account-groups"},
		{[]string{"webhooks", "forward"}, "", `"forward"`},
		{[]string{"nope"}, "", `unknown command "nope"`},
	} {
		code, out, errOut := w.run(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "upvest: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line", tc.args, code, out, errOut)
			continue
		}
		named := flagName.FindAllString(errOut, -1)
		if (tc.flag == "" && len(named) != 0) || (tc.flag != "" && (len(named) == 0 || slices.ContainsFunc(named, func(f string) bool { return f != tc.flag }))) {
			t.Errorf("%q: %q names %v, want only %q", tc.args, errOut, named, tc.flag)
		}
		if !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: %q lacks %q", tc.args, errOut, tc.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent for usage errors", n)
	}
	// No command at all: the usage, exit 2.
	if code, out, errOut := w.run(t); code != 2 || out != "" || !strings.HasPrefix(errOut, "usage: upvest") {
		t.Errorf("no command: exit %d, stderr %q", code, errOut)
	}
}

// Missing credentials name the variables and flags to set, only those
// missing, never Go field names; exit 2, nothing sent. A base URL the
// client refuses names --base-url and UPVEST_BASE_URL.
func TestMissingCredentialsNameVariablesAndFlags(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer api.Close()
	id := "9d95820d-4333-46b6-98de-04ab7512e76f"
	all := [][2]string{{"UPVEST_CLIENT_ID", "--client-id"}, {"UPVEST_CLIENT_SECRET", "--client-secret"},
		{"UPVEST_KEY_ID", "--key-id"}, {"UPVEST_PRIVATE_KEY_FILE", "--private-key-file"}}
	for _, cmd := range [][]string{
		{"account-groups", "get", id},
		{"account-groups", "create", "--user-id", id, "--type", "PERSONAL"},
		{"users", "account-groups", id},
		{"webhooks", "keys"},
		{"webhooks", "listen", "--addr", "127.0.0.1:0"},
		{"contract", "check"},
	} {
		for _, missing := range [][]int{{0, 1, 2, 3}, {1}, {3}} {
			w := newWorld(t)
			w.env["UPVEST_BASE_URL"] = api.URL
			for _, i := range missing {
				delete(w.env, all[i][0])
			}
			code, out, errOut := w.run(t, cmd...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%q without %v: exit %d, stderr %q", cmd, missing, code, errOut)
				continue
			}
			for i, v := range all {
				if slices.Contains(missing, i) != (strings.Contains(errOut, v[0]+" ") || strings.Contains(errOut, v[0]+",") || strings.HasSuffix(strings.TrimSpace(errOut), v[0])) ||
					slices.Contains(missing, i) != strings.Contains(errOut, v[1]) {
					t.Errorf("%q without %v: %q; want exactly the missing variables and flags named", cmd, missing, errOut)
				}
			}
			for _, field := range []string{"ClientID", "ClientSecret", "KeyID", "PrivateKeyPEM"} {
				if strings.Contains(errOut, field) {
					t.Errorf("%q: %q names the Go field %s", cmd, errOut, field)
				}
			}
		}
	}
	// An encrypted key without its passphrase: the variable and flag to
	// set, exit 2; a key the client cannot use: the file named, exit 1.
	for _, tc := range []struct {
		file, passphrase string
		code             int
		want             []string
	}{
		{"../../middleware/testdata/keys/ec-sec1-encrypted.pem", "", 2, []string{"UPVEST_PRIVATE_KEY_PASSPHRASE", "--private-key-passphrase", "encrypted"}},
		{"../../middleware/testdata/keys/ec-sec1-encrypted.pem", "Tr0ub4dor-not-it", 1, []string{"--private-key-file", "UPVEST_PRIVATE_KEY_FILE", "ec-sec1-encrypted.pem", "wrong passphrase"}},
		{"../../README.md", "", 1, []string{"--private-key-file", "README.md", "no PEM private key"}},
	} {
		w := newWorld(t)
		w.env["UPVEST_BASE_URL"] = api.URL
		w.env["UPVEST_PRIVATE_KEY_FILE"], w.env["UPVEST_PRIVATE_KEY_PASSPHRASE"] = tc.file, tc.passphrase
		code, _, errOut := w.run(t, "account-groups", "get", id)
		if code != tc.code || strings.Count(errOut, "\n") != 1 || (tc.passphrase != "" && strings.Contains(errOut, tc.passphrase)) {
			t.Errorf("key %s: exit %d, %q; want exit %d", tc.file, code, errOut, tc.code)
		}
		for _, want := range tc.want {
			if !strings.Contains(errOut, want) {
				t.Errorf("key %s: %q lacks %q", tc.file, errOut, want)
			}
		}
	}
	for _, base := range []string{"http://api.example.com", "ftp://127.0.0.1", "https://user:pw@api.example.com", "not a url"} {
		w := newWorld(t)
		w.env["UPVEST_BASE_URL"] = base
		code, _, errOut := w.run(t, "account-groups", "get", id)
		if code != 2 || !strings.Contains(errOut, "--base-url") || !strings.Contains(errOut, "UPVEST_BASE_URL") ||
			strings.Contains(errOut, "BaseURL") || strings.Contains(errOut, "pw@") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("base URL %q: exit %d, %q", base, code, errOut)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

var attemptLine = regexp.MustCompile(`^upvest: method=(GET|POST) path=(/\S+) status=(\d+) attempt=(\d+) request_id=(\S+) duration=\S+( error=.+)?$`)

// -v/--verbose: one stderr line per attempt, naming the method, path,
// status, attempt, request id and duration; without it, nothing.
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
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want one per attempt (2):\n%s", flag, len(lines), errOut)
		}
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
	if m := attemptLine.FindStringSubmatch(strings.TrimSuffix(errOut, "\n")); code != 0 || m == nil || m[1] != "POST" || m[2] != "/account_groups" || m[3] != "200" {
		t.Fatalf("create -v: exit %d, %q", code, errOut)
	}
	// Without the flag: nothing on stderr.
	failed.Delete("/account_groups/" + id)
	if code, _, errOut := w.run(t, "account-groups", "get", id); code != 0 || errOut != "" {
		t.Fatalf("without -v: exit %d, stderr %q", code, errOut)
	}
}

// close prints what happened: the group's id and its status.
func TestClosePrintsWhatHappened(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, sandbox.Config{ClosingDelay: -1}, nil) // CLOSING until FinishClosing
	id := w.create(t)
	code, out, errOut := w.run(t, "account-groups", "close", id)
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("close: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if want := map[string]any{"id": id, "status": "CLOSING"}; len(got) != 2 || got["id"] != want["id"] || got["status"] != want["status"] {
		t.Fatalf("close printed %s, want %v", out, want)
	}
	if !strings.HasPrefix(out, "{\n  \"id\": ") {
		t.Errorf("close output %q: want the id first, indented like the other commands", out)
	}
}

// With --approval-delay and --closing-delay the standalone sandbox keeps a
// group PENDING_APPROVAL, then CLOSING, as long as asked: close prints
// CLOSING, and wait sees the group reach CLOSED.
func TestSandboxLifecycleDelays(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--approval-delay", "1h", "--closing-delay", "1h")
	w := &world{env: s.env, user: s.user}
	code, out, errOut := w.run(t, "account-groups", "create", "--user-id", s.user, "--type", "PERSONAL")
	var g upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil || g.Status != upvest.StatusPendingApproval {
		t.Fatalf("create: exit %d, %q %q", code, out, errOut)
	}
	code, _, errOut = w.run(t, "account-groups", "wait", g.ID.String(), "--status", "ACTIVE", "--timeout", "300ms")
	if code != 1 || !strings.Contains(errOut, "deadline") {
		t.Fatalf("still pending after an hour's approval delay? exit %d, %q", code, errOut)
	}
	s2 := startSandbox(t, "--addr", "127.0.0.1:0", "--closing-delay", "1h")
	w = &world{env: s2.env, user: s2.user}
	id := w.create(t)
	if code, out, errOut := w.run(t, "account-groups", "close", id); code != 0 || !strings.Contains(out, `"status": "CLOSING"`) {
		t.Fatalf("close: exit %d, %q %q", code, out, errOut)
	}
}

// A close whose group cannot be read afterwards still happened: exit 0,
// CLOSING printed (what an accepted close starts), the failed read on
// stderr.
func TestCloseStatusUnreadable(t *testing.T) {
	t.Parallel()
	var refuseGets atomic.Bool
	w := newWorldWith(t, sandbox.Config{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if refuseGets.Load() && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/account_groups/") {
				rw.Header().Set("Content-Type", "application/problem+json")
				rw.WriteHeader(http.StatusForbidden)
				io.WriteString(rw, `{"type":"forbidden","title":"Forbidden","status":403,"detail":"no reading today"}`)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	id := w.create(t)
	refuseGets.Store(true)
	code, out, errOut := w.run(t, "account-groups", "close", strings.ToUpper(id))
	var got closed
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID.String() != id || got.Status != upvest.StatusClosing {
		t.Fatalf("close: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// The id printed as the API writes it (lower case), not as typed:
	// decoding into a uuid.UUID accepts either case, so check the text.
	if !strings.Contains(out, `"id": "`+id+`"`) {
		t.Fatalf("close printed %q, want the id %s in lower case", out, id)
	}
	if !strings.Contains(errOut, "closure accepted") || !strings.Contains(errOut, "HTTP 403") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("stderr %q: want one line saying the close was accepted and the read failed", errOut)
	}
}

// sandboxRun is a running `upvest sandbox`.
type sandboxRun struct {
	out, err *syncBuffer
	cancel   context.CancelFunc
	done     chan int
	env      map[string]string
	user     string
}

// startSandbox runs `upvest sandbox` with args and waits for its banner.
func startSandbox(t *testing.T, args ...string) *sandboxRun {
	t.Helper()
	return startSandboxEnv(t, nil, args...)
}

// startSandboxEnv is startSandbox with the environment env.
func startSandboxEnv(t *testing.T, env map[string]string, args ...string) *sandboxRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &sandboxRun{out: &syncBuffer{}, err: &syncBuffer{}, cancel: cancel, done: make(chan int, 1), env: map[string]string{}}
	go func() {
		s.done <- run(ctx, append([]string{"sandbox"}, args...), func(k string) string { return env[k] }, s.out, s.err)
	}()
	select {
	case code := <-s.done:
		t.Fatalf("sandbox exited %d: %s%s", code, s.out.String(), s.err.String())
	case <-matched(s.out, `Stop with Ctrl-C`):
	}
	if !strings.Contains(s.out.String(), "Stop with Ctrl-C") {
		t.Fatalf("no banner: %q %q", s.out.String(), s.err.String())
	}
	t.Cleanup(func() { s.stop(t) })
	for _, m := range regexp.MustCompile(`(?m)^export (UPVEST_[A-Z_]+)=(.*)$`).FindAllStringSubmatch(s.out.String(), -1) {
		s.env[m[1]] = m[2]
	}
	s.user = regexp.MustCompile(`create account groups for: (\S+)`).FindStringSubmatch(s.out.String())[1]
	return s
}

// stop interrupts the sandbox and returns its exit code.
func (s *sandboxRun) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code
		return code
	case <-time.After(failsafe):
		t.Fatalf("sandbox did not stop")
		return -1
	}
}

// Bound to every interface, the sandbox prints a loopback base URL the
// CLI accepts.
func TestSandboxOnEveryInterface(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ addr, base string }{{"0.0.0.0:0", "http://127.0.0.1:"}, {"[::]:0", "http://[::1]:"}} {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			if strings.HasPrefix(tc.addr, "[") {
				ln, err := net.Listen("tcp", "[::1]:0")
				if err != nil {
					t.Skip("no IPv6 loopback here")
				}
				ln.Close()
			}
			s := startSandbox(t, "--addr", tc.addr)
			if !strings.HasPrefix(s.env["UPVEST_BASE_URL"], tc.base) {
				t.Fatalf("UPVEST_BASE_URL=%s, want %s…", s.env["UPVEST_BASE_URL"], tc.base)
			}
			w := &world{env: s.env}
			if code, _, errOut := w.run(t, "account-groups", "create", "--user-id", s.user, "--type", "PERSONAL"); code != 0 {
				t.Fatalf("create against the printed URL: exit %d, %q", code, errOut)
			}
			if code := s.stop(t); code != 0 {
				t.Fatalf("exit %d: %s", code, s.err.String())
			}
		})
	}
}

// The sandbox's fault flags reach its configuration; --rate-limited 1
// makes every call 429, which -v shows attempt by attempt.
func TestSandboxFaultFlags(t *testing.T) {
	t.Parallel()
	fs, f := sandboxFlags()
	if err := fs.Parse([]string{"--seed", "7", "--rate-limited", "0.3", "--retry-after", "2", "--server-errors", "0.1",
		"--lost-answers", "0.2", "--latency", "150ms", "--subscribe", "http://127.0.0.1:9000/a", "--subscribe", "https://hooks.example.com/b"}); err != nil {
		t.Fatal(err)
	}
	if err := f.check(); err != nil {
		t.Fatal(err)
	}
	want := sandbox.Faults{Seed: 7, RateLimited: 0.3, RetryAfter: 2, ServerErrors: 0.1, LostAnswers: 0.2, Latency: 150 * time.Millisecond}
	if got := f.faults(); !sameFaults(got, want) {
		t.Fatalf("faults %+v, want %+v", got, want)
	}
	if !slices.Equal(f.subscribe, []string{"http://127.0.0.1:9000/a", "https://hooks.example.com/b"}) {
		t.Fatalf("subscribe %v", f.subscribe)
	}

	// Every call 429 (the token request included): exit 1 naming the
	// fault, and -v shows the attempt.
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--rate-limited", "1", "--seed", "1")
	if !strings.Contains(s.out.String(), "Faults: 100% of calls rate limited (429); seed 1.") {
		t.Errorf("the banner does not tell the faults: %q", s.out.String())
	}
	w := &world{env: s.env}
	code, _, errOut := w.run(t, "account-groups", "list", "-v")
	if code != 1 || !strings.Contains(errOut, "HTTP 429") || !strings.Contains(errOut, "injected fault: rate limited") {
		t.Fatalf("rate limited: exit %d, %q", code, errOut)
	}
	if first := strings.SplitN(errOut, "\n", 2)[0]; !attemptLine.MatchString(first) {
		t.Errorf("-v: first line %q is not an attempt", first)
	}
}

func sameFaults(a, b sandbox.Faults) bool {
	return a.Seed == b.Seed && a.RateLimited == b.RateLimited && a.RetryAfter == b.RetryAfter && a.ServerErrors == b.ServerErrors &&
		a.LostAnswers == b.LostAnswers && a.Latency == b.Latency && slices.Equal(a.ServerErrorStatuses, b.ServerErrorStatuses)
}

// `upvest webhooks keys` prints the JWKS the API serves, which listen
// takes as --jwks-file.
func TestWebhooksKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code, out, errOut := w.run(t, "webhooks", "keys")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	set, err := webhook.ParseKeySet([]byte(out))
	if err != nil || set.Keys[w.sb.WebhookKeyID()] == nil {
		t.Fatalf("output is not the JWKS with kid %s: %v\n%s", w.sb.WebhookKeyID(), err, out)
	}
	l := w.listen(t, "--jwks-file", writeFile(t, "jwks.json", []byte(out)))
	w.sb.Subscribe(l.url)
	w.create(t)
	<-matched(l.out, `"type":"ACCOUNT_GROUP.CREATED"`)
	if !strings.Contains(l.out.String(), `"type":"ACCOUNT_GROUP.CREATED"`) {
		t.Fatalf("no event verified with the printed keys; stderr %q", l.err.String())
	}
	w.env["UPVEST_CLIENT_SECRET"] = "wrong"
	if code, out, errOut := w.run(t, "webhooks", "keys"); code != 1 || out != "" || !strings.Contains(errOut, "HTTP 401") {
		t.Fatalf("wrong secret: exit %d, %q", code, errOut)
	}
}

// The README's walk-through, both terminals in this process:
//
//	upvest sandbox --subscribe http://127.0.0.1:9000/webhooks
//	upvest webhooks listen --addr 127.0.0.1:9000   (with the printed exports)
//
// then a create and a close: the listener prints their four events, and
// the sandbox, when stopped, how its deliveries went.
func TestTwoTerminalWalkthrough(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the listener
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	hook := "http://" + addr + "/webhooks"

	s := startSandbox(t, "--addr", "127.0.0.1:0", "--subscribe", hook)
	if !strings.Contains(s.out.String(), "Webhooks: signed ACCOUNT_GROUP.* events delivered to "+hook) {
		t.Errorf("the banner does not name the subscription: %q", s.out.String())
	}
	w := &world{env: s.env, user: s.user}
	l := w.listen(t, "--addr", addr, "--path", "/webhooks") // keys fetched from the sandbox with the exports
	id := w.create(t)
	code, out, errOut := w.run(t, "account-groups", "close", id)
	if code != 0 || !strings.Contains(out, `"status": "CLOS`) {
		t.Fatalf("close: exit %d, %q %q", code, out, errOut)
	}
	<-matched(l.out, `ACCOUNT_GROUP.CLOSED`)
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(l.out.String()), "\n") {
		var e webhook.AccountGroupEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Object.ID.String() != id {
			t.Fatalf("event line %q: %v", line, err)
		}
		types = append(types, e.Type.String())
	}
	want := []string{"ACCOUNT_GROUP.CREATED", "ACCOUNT_GROUP.ACTIVATED", "ACCOUNT_GROUP.CLOSING_INITIATED", "ACCOUNT_GROUP.CLOSED"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("sandbox exit %d: %s", code, s.err.String())
	}
	if !strings.Contains(s.err.String(), hook+": 4 events delivered, 0 pending") {
		t.Errorf("the sandbox does not say how its deliveries went: %q", s.err.String())
	}
}
