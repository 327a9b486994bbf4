package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var usersLine = regexp.MustCompile(`(?m)^(?:A user|Users) to create account groups for: (.+)$`)

// TestSandboxRestartKeepsCredentials: `upvest sandbox` started with
// --client-id, --key-id, --key-file, UPVEST_CLIENT_SECRET and --users 3,
// stopped and started again the same way, accepts the credentials of the
// first run (the key file reused, not rewritten) and has the same users,
// all printed. The secret from the environment is not printed.
func TestSandboxRestartKeepsCredentials(t *testing.T) {
	t.Parallel()
	const (
		clientID = "3f6b3c1e-5d2a-4c59-9a51-0d9c1f6a7e21"
		keyID    = "script-key-1"
		secret   = "restart-secret-0123456789"
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port to restart on
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	env := map[string]string{"UPVEST_CLIENT_SECRET": secret}
	args := []string{"--addr", addr, "--client-id", clientID, "--key-id", keyID, "--key-file", keyFile, "--users", "3"}

	first := startSandboxEnv(t, env, args...)
	users := strings.Fields(usersLine.FindStringSubmatch(first.out.String())[1])
	if len(users) != 3 {
		t.Fatalf("%d users printed, want 3: %q", len(users), first.out.String())
	}
	if strings.Contains(first.out.String(), secret) {
		t.Fatalf("the banner prints the secret from the environment: %q", first.out.String())
	}
	want := map[string]string{"UPVEST_CLIENT_ID": clientID, "UPVEST_KEY_ID": keyID, "UPVEST_PRIVATE_KEY_FILE": keyFile}
	for k, v := range want {
		if first.env[k] != v {
			t.Fatalf("export %s=%q, want %q", k, first.env[k], v)
		}
	}
	script := &world{env: map[string]string{"UPVEST_CLIENT_SECRET": secret}}
	for k, v := range first.env {
		script.env[k] = v
	}
	for _, u := range users {
		if code, _, errOut := script.run(t, "account-groups", "create", "--user-id", u, "--type", "PERSONAL"); code != 0 {
			t.Fatalf("create for %s: exit %d, %q", u, code, errOut)
		}
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if code := first.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, first.err.String())
	}

	second := startSandboxEnv(t, env, args...)
	if again := strings.Fields(usersLine.FindStringSubmatch(second.out.String())[1]); strings.Join(again, " ") != strings.Join(users, " ") {
		t.Fatalf("users %v after the restart, want %v", again, users)
	}
	if after, err := os.ReadFile(keyFile); err != nil || !bytes.Equal(after, key) {
		t.Fatalf("the key file was rewritten (%v)", err)
	}
	for _, u := range users {
		if code, _, errOut := script.run(t, "account-groups", "create", "--user-id", u, "--type", "PERSONAL"); code != 0 {
			t.Fatalf("after the restart, create for %s with the first run's credentials: exit %d, %q", u, code, errOut)
		}
	}
}

// A --key-file that holds something other than a usable key is refused
// (exit 1, naming the file) and left as it was; a reused key file others
// can read gets a warning.
func TestSandboxKeyFileRefusals(t *testing.T) {
	t.Parallel()
	encrypted, err := os.ReadFile("../../middleware/testdata/keys/ec-sec1-encrypted.pem")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"notes", []byte("my notes, not a key\n"), "holds no PEM private key"},
		{"an encrypted key", encrypted, "holds a key the sandbox cannot use"},
		{"a P-256 key", p256PrivatePEM(t), "holds a key the sandbox cannot use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			keyFile := writeFile(t, "key.pem", tc.content)
			w := &world{env: map[string]string{}}
			code, out, errOut := w.run(t, "sandbox", "--addr", "127.0.0.1:0", "--key-file", keyFile)
			if code != 1 || out != "" || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, keyFile) || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want exit 1 and one line naming the file", code, errOut)
			}
			if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, tc.content) {
				t.Fatal("the file was changed")
			}
		})
	}
	t.Run("a key others can read", func(t *testing.T) {
		t.Parallel()
		keyFile := filepath.Join(t.TempDir(), "key.pem")
		s := startSandbox(t, "--addr", "127.0.0.1:0", "--key-file", keyFile)
		s.stop(t)
		if err := os.Chmod(keyFile, 0o644); err != nil {
			t.Fatal(err)
		}
		s = startSandbox(t, "--addr", "127.0.0.1:0", "--key-file", keyFile)
		if !strings.Contains(s.err.String(), "readable by other users (mode 644)") || !strings.Contains(s.out.String(), "reused") {
			t.Fatalf("stderr %q, stdout %q: want the key reused, with a warning", s.err.String(), s.out.String())
		}
	})
}

func p256PrivatePEM(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
