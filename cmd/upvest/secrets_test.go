package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/middleware"
)

const encryptedKey = "../../middleware/testdata/keys/ed25519-pkcs8-encrypted.pem"

// withEncryptedKey registers the public half of the encrypted test key with
// w's sandbox and points w's environment at it, without its passphrase.
func withEncryptedKey(t *testing.T, w *world) {
	t.Helper()
	pemKey, err := os.ReadFile(encryptedKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := middleware.ParseKey(pemKey, []byte("test-passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	w.sb.AddClientKey("encrypted-key", key.Public())
	w.env["UPVEST_KEY_ID"], w.env["UPVEST_PRIVATE_KEY_FILE"] = "encrypted-key", encryptedKey
}

var warningLine = regexp.MustCompile(`^upvest: warning: (--[a-z-]+) on the command line can be read by every local user \(ps, /proc\); use (UPVEST_[A-Z_]+)( or (--[a-z-]+-file))? instead$`)

// The secrets have file forms (--client-secret-file,
// --private-key-passphrase-file), read whole, a final line break dropped.
// A secret given as a flag value still works, with one warning line per
// flag naming the safe forms and never the value; a Redis URL without a
// password is no secret.
func TestSecretsOffTheCommandLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	secret := w.env["UPVEST_CLIENT_SECRET"]
	delete(w.env, "UPVEST_CLIENT_SECRET")
	withEncryptedKey(t, w)
	secretFile := writeFile(t, "secret", []byte(secret+"\n"))
	passFile := writeFile(t, "passphrase", []byte("test-passphrase\r\n"))
	if code, _, errOut := w.run(t, "account-groups", "list", "--client-secret-file", secretFile, "--private-key-passphrase-file", passFile); code != 0 || errOut != "" {
		t.Fatalf("file forms: exit %d, stderr %q", code, errOut)
	}
	for _, tc := range []struct {
		name  string
		args  []string // shown by name only: they hold secrets
		flags []string // warned about, in order
	}{
		{"secret flag, passphrase file", []string{"--client-secret", secret, "--private-key-passphrase-file", passFile}, []string{"--client-secret"}},
		{"secret file, passphrase flag", []string{"--client-secret-file", secretFile, "--private-key-passphrase", "test-passphrase"}, []string{"--private-key-passphrase"}},
		{"both flags", []string{"--client-secret=" + secret, "--private-key-passphrase", "test-passphrase"}, []string{"--client-secret", "--private-key-passphrase"}},
	} {
		code, _, errOut := w.run(t, append([]string{"account-groups", "list"}, tc.args...)...)
		if strings.Contains(errOut, secret) || strings.Contains(errOut, "test-passphrase") {
			t.Fatalf("%s: stderr shows the secret", tc.name)
		}
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != 0 || len(lines) != len(tc.flags) {
			t.Fatalf("%s: exit %d, stderr %q; want exit 0 and %d warnings", tc.name, code, errOut, len(tc.flags))
		}
		for i, l := range lines {
			if m := warningLine.FindStringSubmatch(l); m == nil || m[1] != tc.flags[i] || m[4] != tc.flags[i]+"-file" {
				t.Errorf("%s: line %q, want a warning about %s naming %s-file", tc.name, l, tc.flags[i], tc.flags[i])
			}
		}
	}
	// --redis: a warning when its URL has a password; none without one.
	// Interrupted from the start, the listener stops at its Redis check.
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for url, warned := range map[string]bool{"redis://:" + redisPassword + "@127.0.0.1:1/0": true, "redis://127.0.0.1:1/0": false} {
		code, _, errOut := w.runIn(stopped, "webhooks", "listen", "--addr", "127.0.0.1:0", "--jwks-file", jwks, "--redis", url)
		first := strings.SplitN(errOut, "\n", 2)[0]
		m := warningLine.FindStringSubmatch(first)
		if code != 1 || (m != nil) != warned || (warned && (m[1] != "--redis" || m[2] != "UPVEST_WEBHOOK_REDIS_URL")) || strings.Contains(errOut, redisPassword) {
			t.Errorf("--redis %s: exit %d, stderr %q", strings.ReplaceAll(url, redisPassword, "…"), code, errOut)
		}
	}
}

// A secret given twice (the flag and its file), or a file that cannot be
// used, is refused before anything is sent, naming the flag and never the
// secret.
func TestSecretFileRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	secretFile := writeFile(t, "secret", []byte("s3cret-from-file\n"))
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--client-secret", "s3cret-flag-value", "--client-secret-file", secretFile}, 2, []string{"--client-secret-file", "not both"}},
		{[]string{"--private-key-passphrase", "p4ss-flag-value", "--private-key-passphrase-file", secretFile}, 2, []string{"--private-key-passphrase-file", "not both"}},
		{[]string{"--client-secret-file", writeFile(t, "empty", nil)}, 2, []string{"--client-secret-file", "empty"}},
		{[]string{"--client-secret-file", writeFile(t, "blank", []byte("\n"))}, 2, []string{"--client-secret-file", "empty"}},
		{[]string{"--client-secret-file", t.TempDir() + "/missing"}, 1, []string{"--client-secret-file", "missing"}},
		{[]string{"--private-key-passphrase-file", writeFile(t, "big", make([]byte, 70<<10))}, 2, []string{"--private-key-passphrase-file", "64 KiB"}},
	} {
		code, out, errOut := w.run(t, append([]string{"account-groups", "list"}, tc.args...)...)
		last := errOut[strings.LastIndex(strings.TrimSuffix(errOut, "\n"), "\n")+1:]
		if code != tc.code || out != "" || strings.Contains(errOut, "s3cret") || strings.Contains(errOut, "p4ss") {
			t.Errorf("%q: exit %d, stderr %q; want exit %d", tc.args, code, errOut, tc.code)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(last, want) {
				t.Errorf("%q: %q lacks %q", tc.args, last, want)
			}
		}
	}
}
