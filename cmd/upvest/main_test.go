package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/upvest-go/upvest"
)

// errLine is the library's one line for a refused call: the call, the
// status and problem type, the detail and the request id, each once.
var errLine = regexp.MustCompile(`^upvest: [A-Z]+ /\S*: (?:token request refused: )?HTTP (\d{3}) ([a-z_]+): .+ \(request id [0-9a-f-]{36}\)\n$`)

func TestAccountGroupsCommands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code, out, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	var g upvest.AccountGroup
	if err := json.Unmarshal([]byte(out), &g); err != nil || g.Type != upvest.TypePersonal {
		t.Fatalf("create output %q: %v", out, err)
	}
	id := g.ID.String()

	code, out, _ = w.run(t, "account-groups", "get", id)
	if code != 0 || !strings.Contains(out, `"id": "`+id+`"`) {
		t.Fatalf("get: %d %s", code, out)
	}

	// Same idempotency key twice: one group.
	key := "f1150421-2e34-42b6-aae9-52ef157065b9"
	_, out1, _ := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "legal_entity", "--idempotency-key", key)
	_, out2, _ := w.run(t, "account-groups", "create", "--idempotency-key", key, "--user-id", w.user, "--type", "LEGAL_ENTITY")
	if out1 == "" || out1 != out2 {
		t.Fatalf("idempotent create differs:\n%s\n%s", out1, out2)
	}
	if n := len(w.sb.AccountGroups()); n != 2 {
		t.Fatalf("%d groups, want 2", n)
	}

	code, out, _ = w.run(t, "account-groups", "list", "--limit", "1")
	var page upvest.AccountGroupPage
	if code != 0 || json.Unmarshal([]byte(out), &page) != nil || page.Meta.Count != 1 || page.Meta.TotalCount != 2 {
		t.Fatalf("list: %d %s", code, out)
	}
	code, out, _ = w.run(t, "account-groups", "list", "--all", "--limit", "1", "--order", "DESC")
	var all []upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 2 || all[1].ID.String() != id {
		t.Fatalf("list --all: %d %s", code, out)
	}

	code, out, errOut = w.run(t, "account-groups", "close", id)
	var closed struct{ ID, Status string }
	if code != 0 || json.Unmarshal([]byte(out), &closed) != nil || closed.ID != id || (closed.Status != "CLOSING" && closed.Status != "CLOSED") {
		t.Fatalf("close: %d %q %q", code, out, errOut)
	}
	code, _, errOut = w.run(t, "account-groups", "close", id)
	if m := errLine.FindStringSubmatch(errOut); code != 1 || m == nil || m[1] != "409" || m[2] != "conflict" {
		t.Fatalf("second close: %d %q", code, errOut)
	}

	code, _, errOut = w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if m := errLine.FindStringSubmatch(errOut); code != 1 || m == nil || m[1] != "404" || m[2] != "not_found" {
		t.Fatalf("get unknown: %d %q", code, errOut)
	}
}

func TestUsersAccountGroups(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i := 0; i < 3; i++ {
		if code, _, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL"); code != 0 {
			t.Fatal(errOut)
		}
	}
	other := w.sb.NewUser().String()
	w.run(t, "account-groups", "create", "--user-id", other, "--type", "PERSONAL")
	code, out, _ := w.run(t, "users", "account-groups", w.user, "--limit", "2")
	var page upvest.AccountGroupPage
	if code != 0 || json.Unmarshal([]byte(out), &page) != nil || page.Meta.TotalCount != 3 || len(page.Data) != 2 {
		t.Fatalf("page: %d %s", code, out)
	}
	code, out, _ = w.run(t, "users", "account-groups", "--all", "--limit", "2", w.user)
	var all []upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 3 {
		t.Fatalf("--all: %d %s", code, out)
	}
	code, _, errOut := w.run(t, "users", "account-groups", "00000000-0000-4000-8000-000000000000")
	if m := errLine.FindStringSubmatch(errOut); code != 1 || m == nil || m[1] != "404" {
		t.Fatalf("unknown user: %d %q", code, errOut)
	}
}

// nilUUID is the zero id, never a real one: the CLI refuses it as it
// refuses text that is not a UUID.
const nilUUID = "00000000-0000-0000-0000-000000000000"

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, args := range [][]string{
		{},
		{"nope"},
		{"account-groups"},
		{"account-groups", "frobnicate"},
		{"account-groups", "get"},
		{"account-groups", "get", "a", "b"},
		{"account-groups", "create", "--user-id", w.user},
		{"account-groups", "create", "--type", "PERSONAL"},
		{"account-groups", "create", "--user-id", w.user, "--type", "CORPORATE"},
		{"account-groups", "list", "--order", "SIDEWAYS"},
		{"account-groups", "get", nilUUID},
		{"account-groups", "close", nilUUID},
		{"account-groups", "wait", nilUUID, "--status", "ACTIVE"},
		{"account-groups", "wait", "9d95820d-4333-46b6-98de-04ab7512e76f", "--status", ""},
		{"account-groups", "wait", "9d95820d-4333-46b6-98de-04ab7512e76f", "--status", "CLOSED", "--status", ""},
		{"account-groups", "create", "--user-id", nilUUID, "--type", "PERSONAL"},
		{"users", "account-groups", nilUUID},
		{"account-groups", "list", "--limit", "5000"},
		{"account-groups", "list", "--bogus"},
		{"users", "account-groups"},
		{"users"},
		{"webhooks", "listen"},
		{"webhooks"},
	} {
		code, out, errOut := w.run(t, args...)
		if len(args) == 0 { // no command: the usage
			if code != 2 || out != "" || !strings.HasPrefix(errOut, "usage: upvest") {
				t.Errorf("no command: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			continue
		}
		// One line naming what is wrong and where the usage is.
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "(see 'upvest help") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env["UPVEST_PRIVATE_KEY_FILE"] = filepath.Join(t.TempDir(), "missing.pem")
	code, _, errOut := w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if code != 1 || !strings.HasPrefix(errOut, "upvest: ") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("missing key file: %d %q", code, errOut)
	}
	w = newWorld(t)
	w.env["UPVEST_CLIENT_SECRET"] = "wrong-secret-value"
	code, _, errOut = w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if m := errLine.FindStringSubmatch(errOut); code != 1 || m == nil || m[1] != "401" || strings.Contains(errOut, "wrong-secret-value") {
		t.Fatalf("wrong secret: %d %q", code, errOut)
	}
	// Each fact once: the call, the refusal, the status and type, the
	// detail, the request id.
	code, _, errOut = w.run(t, "account-groups", "list")
	wrongSecret := regexp.MustCompile(`^upvest: GET /account_groups: token request refused: HTTP 401 unauthorized: client_id or client_secret is wrong \(request id [0-9a-f-]{36}\)\n$`)
	if code != 1 || !wrongSecret.MatchString(errOut) {
		t.Fatalf("wrong secret: %d %q, want %s", code, errOut, wrongSecret)
	}
	w.env["UPVEST_PRIVATE_KEY_FILE"] = "../../middleware/testdata/keys/ec-sec1-encrypted.pem"
	w.env["UPVEST_PRIVATE_KEY_PASSPHRASE"] = "Tr0ub4dor-not-it"
	code, _, errOut = w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if code != 1 || !strings.Contains(errOut, "wrong passphrase") || strings.Contains(errOut, "Tr0ub4dor") {
		t.Fatalf("wrong passphrase: %d %q", code, errOut)
	}
	w.env["UPVEST_BASE_URL"] = "http://api.example.com" // refused before anything is sent: a usage error
	code, _, errOut = w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if code != 2 || !strings.Contains(errOut, "https") {
		t.Fatalf("plain http: %d %q", code, errOut)
	}
}

func TestWebhooksListen(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, w.sb.WebhookJWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, keysFrom := range []string{"file", "api"} {
		t.Run(keysFrom, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var out, errb syncBuffer
			done := make(chan int)
			args := []string{"webhooks", "listen", "--addr", "127.0.0.1:0", "--path", "/hooks"}
			if keysFrom == "file" {
				args = append(args, "--jwks-file", jwks)
			}
			go func() { done <- run(ctx, args, func(k string) string { return w.env[k] }, &out, &errb) }()
			addr := waitMatch(t, &errb, regexp.MustCompile(`listening for webhooks on (http://\S+)`))
			// A forged delivery is refused and logged.
			resp, err := http.Post(addr, "application/json", strings.NewReader(`{"payload":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("unsigned delivery: %d", resp.StatusCode)
			}
			waitMatch(t, &errb, regexp.MustCompile(`refused delivery from .*: (request is not signed)`))
			w.sb.Subscribe(addr)
			if code, _, e := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL"); code != 0 {
				t.Fatal(e)
			}
			waitMatch(t, &out, regexp.MustCompile(`"type":"(ACCOUNT_GROUP.ACTIVATED)"`))
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			for _, l := range lines {
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil || ev["object"] == nil {
					t.Fatalf("not one JSON event per line: %q", l)
				}
			}
		})
	}
}

func TestSandboxCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	keyFile := filepath.Join(t.TempDir(), "k.pem")
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--key-file", keyFile}, func(string) string { return "" }, &out, &errb)
	}()
	waitMatch(t, &out, regexp.MustCompile(`(Stop with Ctrl-C)`))
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`export (UPVEST_\w+)=(\S+)`).FindAllStringSubmatch(out.String(), -1) {
		env[m[1]] = m[2]
	}
	user := regexp.MustCompile(`create account groups for: (\S+)`).FindStringSubmatch(out.String())[1]
	w := &world{env: env}
	if code, o, e := w.run(t, "account-groups", "create", "--user-id", user, "--type", "PERSONAL"); code != 0 || !strings.Contains(o, user) {
		t.Fatalf("create against `upvest sandbox`: %d %s %s", code, o, e)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	var out, errb syncBuffer
	code := run(context.Background(), []string{"demo"}, func(string) string { return "" }, &out, &errb)
	if code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, errb.String(), out.String())
	}
	for _, want := range []string{"ACCOUNT_GROUP.CREATED", "ACCOUNT_GROUP.ACTIVATED", "ACCOUNT_GROUP.CLOSING_INITIATED", "ACCOUNT_GROUP.CLOSED", "HTTP 409 conflict"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
