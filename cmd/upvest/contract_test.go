package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// alteringSandbox is a sandbox served on 127.0.0.1 behind a handler that can
// rewrite the JSON answers of one method and path prefix, so the "API"
// answers wrongly; the environment points the CLI at it.
type alteringSandbox struct {
	*world
	mu             sync.Mutex
	method, prefix string
	edit           func(m map[string]any)
}

func newAlteringSandbox(t *testing.T, cfg sandbox.Config) *alteringSandbox {
	t.Helper()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &alteringSandbox{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		edit := a.edit
		match := edit != nil && r.Method == a.method && strings.HasPrefix(r.URL.Path, a.prefix)
		a.mu.Unlock()
		if !match {
			sb.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			edit(m)
			body, _ = json.Marshal(m)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewEd25519Credentials() // the fastest key under -race
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, creds.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	a.world = &world{sb: sb, user: sb.NewUser().String(), env: map[string]string{
		"UPVEST_BASE_URL": srv.URL, "UPVEST_CLIENT_ID": creds.ClientID, "UPVEST_CLIENT_SECRET": creds.ClientSecret,
		"UPVEST_KEY_ID": creds.KeyID, "UPVEST_PRIVATE_KEY_FILE": keyFile,
	}}
	return a
}

func (a *alteringSandbox) alter(method, prefix string, edit func(m map[string]any)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.method, a.prefix, a.edit = method, prefix, edit
}

// group creates an account group through the CLI.
func (a *alteringSandbox) group(t *testing.T) {
	t.Helper()
	if code, _, errOut := a.run(t, "account-groups", "create", "--user-id", a.user, "--type", "PERSONAL"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
}

// noSecret fails when the client secret appears in the output.
func (a *alteringSandbox) noSecret(t *testing.T, out ...string) {
	t.Helper()
	for _, s := range out {
		if strings.Contains(s, a.env["UPVEST_CLIENT_SECRET"]) {
			t.Errorf("the client secret is printed:\n%s", s)
		}
	}
}

// Against the sandbox as it is: every exchange conforms, exit 0, no line
// on stdout, a summary on stderr.
func TestContractCheckClean(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{})
	a.group(t)
	code, out, errOut := a.run(t, "contract", "check")
	if code != 0 || out != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// token (accounts:read), list, get, the owner's groups, token
	// (webhooks:read), verify keys.
	if !strings.Contains(errOut, "upvest: contract check (tolerant) of http://127.0.0.1:") || !strings.Contains(errOut, ": 6 exchanges, 0 violations, 0 drift\n") {
		t.Errorf("stderr %q", errOut)
	}
	a.noSecret(t, out, errOut)
}

// The sandbox altered to break the document: exit 1, the finding named on
// one line.
func TestContractCheckViolation(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{})
	a.group(t)
	a.alter(http.MethodGet, "/account_groups/", func(m map[string]any) { m["securities_account_number"] = "12345678" })
	code, out, errOut := a.run(t, "contract", "check")
	want := `violation getAccountGroup 200: response body /securities_account_number: pattern: string doesn't match the regular expression "^[0-9]{9}$" (value "12345678")` + "\n"
	if code != 1 || out != want {
		t.Fatalf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	if !strings.Contains(errOut, ", 1 violations, 0 drift") {
		t.Errorf("stderr %q", errOut)
	}
	// Missing id in the owner's list: a violation too.
	a.alter(http.MethodGet, "/users/", func(m map[string]any) {
		delete(m["data"].([]any)[0].(map[string]any), "id")
	})
	code, out, _ = a.run(t, "contract", "check")
	if code != 1 || out != `violation listUserAccountGroups 200: response body /data/0/id: required: property "id" is missing`+"\n" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	a.noSecret(t, out, errOut)
}

// Added fields and values are drift: listed, exit 0; --strict makes them
// violations.
func TestContractCheckDrift(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{})
	a.group(t)
	a.alter(http.MethodGet, "/account_groups", func(m map[string]any) {
		if data, ok := m["data"].([]any); ok {
			data[0].(map[string]any)["status"] = "DORMANT"
			data[0].(map[string]any)["nickname"] = "Bob"
		}
	})
	code, out, errOut := a.run(t, "contract", "check")
	want := `drift listAccountGroups 200: response body /data/0/nickname: unknown-property: property is not in the document (value "Bob")
drift listAccountGroups 200: response body /data/0/status: enum: value is not one of the allowed values ["PENDING_APPROVAL","ACTIVE","CLOSING","CLOSED","LOCKED"] (value "DORMANT")
`
	if code != 0 || out != want {
		t.Fatalf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	if !strings.Contains(errOut, ", 0 violations, 2 drift") {
		t.Errorf("stderr %q", errOut)
	}
	code, out, errOut = a.run(t, "contract", "check", "--strict")
	if code != 1 || out != strings.ReplaceAll(want, "drift ", "violation ") || !strings.Contains(errOut, "(strict)") {
		t.Fatalf("--strict: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// --write on a loopback sandbox creates a group and closes it, each
// exchange checked.
func TestContractCheckWrite(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{ApprovalDelay: 50 * time.Millisecond}) // the command waits for approval
	code, out, errOut := a.run(t, "contract", "check", "--write", "--user-id", a.user)
	if code != 0 || out != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "no account group: get and the owner's groups not checked") ||
		!strings.Contains(errOut, "created account group ") || !strings.Contains(errOut, " 0 violations, 0 drift") {
		t.Errorf("stderr %q", errOut)
	}
	groups := a.sb.AccountGroups()
	if len(groups) != 1 || (groups[0].Status != upvest.StatusClosing && groups[0].Status != upvest.StatusClosed) {
		t.Fatalf("groups after --write: %+v", groups)
	}
	// The create's answer broken: exit 1, named; the group is still closed.
	a.alter(http.MethodPost, "/account_groups", func(m map[string]any) { m["type"] = "TRUST" })
	code, out, _ = a.run(t, "contract", "check", "--write", "--user-id", a.user, "--strict")
	if code != 1 || !strings.Contains(out, "violation createAccountGroup 200: response body /type: enum: ") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

// --write anywhere but Upvest's sandbox or loopback is refused before
// anything is sent; flags that do not go together are usage errors.
func TestContractCheckRefusals(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{})
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()
	for _, base := range []string{"https://api.upvest.co", "https://sandbox.upvest.co.evil.example", "http://sandbox.upvest.co",
		"https://10.0.0.1", strings.Replace(elsewhere.URL, "127.0.0.1", "127.0.0.1.nip.io", 1)} {
		code, out, errOut := a.run(t, "contract", "check", "--write", "--user-id", a.user, "--base-url", base)
		if code != 2 || out != "" || !strings.Contains(errOut, "contract check: --write is refused: the base URL must be Upvest's sandbox") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", base, code, out, errOut)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	for _, args := range [][]string{
		{"contract"}, {"contract", "verify"}, {"contract", "check", "--write"}, {"contract", "check", "--user-id", a.user},
		{"contract", "check", "--write", "--user-id", "bob"}, {"contract", "check", "extra"},
	} {
		if code, _, errOut := a.run(t, args...); code != 2 || !strings.Contains(errOut, "(see 'upvest help contract") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	// Upvest's sandbox itself is allowed (nothing sent here: the flag check
	// is all this asserts), as are loopback hosts.
	for _, base := range []string{"https://sandbox.upvest.co", "https://sandbox.upvest.co:443/", "http://localhost:1", "http://[::1]:1", "http://127.0.0.2:1"} {
		if !sandboxURL(base) {
			t.Errorf("%s refused", base)
		}
	}
}

// Credentials the API refuses: exit 1, one line naming the failure, no
// secret printed.
func TestContractCheckWrongSecret(t *testing.T) {
	t.Parallel()
	a := newAlteringSandbox(t, sandbox.Config{})
	secret := "wrong-" + a.env["UPVEST_CLIENT_SECRET"]
	a.env["UPVEST_CLIENT_SECRET"] = secret
	code, out, errOut := a.run(t, "contract", "check")
	if code != 1 || out != "" || !strings.Contains(errOut, "HTTP 401") || !strings.Contains(errOut, "(listAccountGroups)") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, secret) {
		t.Errorf("secret printed: %s", errOut)
	}
}
