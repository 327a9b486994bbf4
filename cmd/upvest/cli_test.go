package main

// A CLI operators enjoy: help on every command, one wrong flag named per
// usage error (credentials: credentials_test.go; -v: verbose_test.go; the
// sandbox: sandbox_test.go; the walk-through: walkthrough_test.go).

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
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
	creds, err := sb.NewEd25519Credentials() // the fastest key under -race
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
		{[]string{"sandbox"}, []string{"--addr", "--key-file", "--client-id", "--key-id", "--users", "--subscribe", "--rate-limited", "--retry-after", "--server-errors", "--lost-answers", "--latency", "--seed", "--approval-delay", "--closing-delay", "--tenant-rate", "--tenant-burst"}},
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
		{[]string{"sandbox", "--tenant-rate", "-1"}, "--tenant-rate", "-1"},
		{[]string{"sandbox", "--tenant-rate", "NaN"}, "--tenant-rate", "NaN"},
		{[]string{"sandbox", "--tenant-rate", "+Inf"}, "--tenant-rate", "+Inf"},
		{[]string{"sandbox", "--tenant-burst", "-2"}, "--tenant-burst", "-2"},
		{[]string{"sandbox", "--tenant-burst", "many"}, "--tenant-burst", `"many"`},
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
