package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
)

// `upvest sandbox` prints credentials that work, keeps the key file while it
// runs and leaves nothing in the temporary directory once stopped.
func TestSandboxCommandLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Stop with Ctrl-C") {
		select {
		case code := <-done:
			t.Fatalf("sandbox exited %d: %s%s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner: %q %q", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^export (UPVEST_[A-Z_]+)=(.*)$`).FindAllStringSubmatch(out.String(), -1) {
		env[m[1]] = m[2]
	}
	keyFile := env["UPVEST_PRIVATE_KEY_FILE"]
	pemKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("key file %q: %v", keyFile, err)
	}
	client, err := upvest.New(upvest.Config{BaseURL: env["UPVEST_BASE_URL"], ClientID: env["UPVEST_CLIENT_ID"],
		ClientSecret: env["UPVEST_CLIENT_SECRET"], KeyID: env["UPVEST_KEY_ID"], PrivateKeyPEM: pemKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListAccountGroups(ctx, nil); err != nil {
		t.Fatalf("the printed credentials do not work: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop")
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
	keyFile := t.TempDir() + "/key.pem"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--key-file", keyFile}, func(string) string { return "" }, &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Stop with Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "UPVEST_PRIVATE_KEY_FILE="+keyFile+"\n") {
		t.Fatalf("output %q does not name %s", out.String(), keyFile)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
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
