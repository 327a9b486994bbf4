package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// `upvest sandbox` prints credentials that work, keeps the key file while it
// runs and leaves nothing in the temporary directory once stopped.
func TestSandboxCommandLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // so not parallel
	s := startSandbox(t, "--addr", "127.0.0.1:0")
	env := s.env
	pemKey, err := os.ReadFile(env["UPVEST_PRIVATE_KEY_FILE"])
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	client, err := upvest.New(upvest.Config{BaseURL: env["UPVEST_BASE_URL"], ClientID: env["UPVEST_CLIENT_ID"],
		ClientSecret: env["UPVEST_CLIENT_SECRET"], KeyID: env["UPVEST_KEY_ID"], PrivateKeyPEM: pemKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListAccountGroups(context.Background(), nil); err != nil {
		t.Fatalf("the printed credentials do not work: %v", err)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, s.err.String())
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

// With --key-file the key is written where asked and kept: the file is the
// caller's.
func TestSandboxCommandKeyFileKept(t *testing.T) {
	t.Parallel()
	keyFile := t.TempDir() + "/key.pem"
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--key-file", keyFile)
	if s.env["UPVEST_PRIVATE_KEY_FILE"] != keyFile {
		t.Fatalf("output %q does not name %s", s.out.String(), keyFile)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, s.err.String())
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("--key-file removed: %v", err)
	}
}

// --key-file naming an existing file that holds no key (an empty file,
// world-readable): the key is written to a new file renamed over it, so it
// is 0600 whatever the old file's mode was.
func TestSandboxKeyFileMode(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--key-file", keyFile)
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Fatalf("the key file's mode is %o, want 600", mode)
	}
	pemKey, err := os.ReadFile(keyFile)
	if err != nil || !strings.Contains(string(pemKey), "PRIVATE KEY") {
		t.Fatalf("the key file holds no private key: %v", err)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, s.err.String())
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
		"--lost-answers", "0.2", "--latency", "150ms", "--clock-offset", "-10m", "--tenant-rate", "2.5", "--tenant-burst", "4", "--subscribe", "http://127.0.0.1:9000/a", "--subscribe", "https://hooks.example.com/b"}); err != nil {
		t.Fatal(err)
	}
	if err := f.check(); err != nil {
		t.Fatal(err)
	}
	want := sandbox.Faults{Seed: 7, RateLimited: 0.3, RetryAfter: 2, ServerErrors: 0.1, LostAnswers: 0.2, Latency: 150 * time.Millisecond, ClockOffset: -10 * time.Minute,
		TenantRate: 2.5, TenantBurst: 4}
	if got := f.faults(); !sameFaults(got, want) {
		t.Fatalf("faults %+v, want %+v", got, want)
	}
	if !slices.Equal(f.subscribe, []string{"http://127.0.0.1:9000/a", "https://hooks.example.com/b"}) {
		t.Fatalf("subscribe %v", f.subscribe)
	}
	if d := f.describe(); !strings.Contains(d, "API calls limited to 2.5/s per client id (burst 4, 429 without Retry-After)") {
		t.Errorf("describe: %q", d)
	}

	// Every call 429 (the token request included): exit 1 naming the
	// fault, and -v shows the token requests.
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--rate-limited", "1", "--seed", "1")
	if !strings.Contains(s.out.String(), "Faults: 100% of calls rate limited (429); seed 1.") {
		t.Errorf("the banner does not tell the faults: %q", s.out.String())
	}
	w := &world{env: s.env}
	code, _, errOut := w.run(t, "account-groups", "list", "-v")
	if code != 1 || !strings.Contains(errOut, "HTTP 429") || !strings.Contains(errOut, "injected fault: rate limited") {
		t.Fatalf("rate limited: exit %d, %q", code, errOut)
	}
	if m := tokenLine.FindStringSubmatch(strings.SplitN(errOut, "\n", 2)[0]); m == nil || m[2] != "429" {
		t.Errorf("-v: first line of %q is not the refused token request", errOut)
	}
}

// --tenant-rate reaches the running sandbox: a client id's first call
// passes, the next (and its retries) are 429 until the budget refills; the
// token request draws nothing from it.
func TestSandboxTenantRateFlag(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--addr", "127.0.0.1:0", "--tenant-rate", "0.001", "--tenant-burst", "1")
	if !strings.Contains(s.out.String(), "Faults: API calls limited to 0.001/s per client id (burst 1, 429 without Retry-After); seed 0.") {
		t.Errorf("the banner does not tell the limit: %q", s.out.String())
	}
	w := &world{env: s.env}
	if code, _, errOut := w.run(t, "account-groups", "list"); code != 0 {
		t.Fatalf("first call: exit %d, %q", code, errOut)
	}
	code, _, errOut := w.run(t, "account-groups", "list")
	if code != 1 || !strings.Contains(errOut, "HTTP 429") || !strings.Contains(errOut, "rate limit") {
		t.Fatalf("second call: exit %d, %q", code, errOut)
	}
}

func sameFaults(a, b sandbox.Faults) bool {
	return a.Seed == b.Seed && a.RateLimited == b.RateLimited && a.RetryAfter == b.RetryAfter && a.ServerErrors == b.ServerErrors &&
		a.LostAnswers == b.LostAnswers && a.Latency == b.Latency && a.ClockOffset == b.ClockOffset &&
		a.TenantRate == b.TenantRate && a.TenantBurst == b.TenantBurst && slices.Equal(a.ServerErrorStatuses, b.ServerErrorStatuses)
}
