package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upvest-go/upvest"
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
