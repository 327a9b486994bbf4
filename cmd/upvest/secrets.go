package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// Secrets on the command line can be read by every local user (ps,
// /proc/PID/cmdline). Each has a safe form, a variable or a file; given as
// a flag value, it still works, with a warning.

// redisEnv is the variable every command taking --redis reads it from.
const redisEnv = "UPVEST_WEBHOOK_REDIS_URL"

// redisForms are the forms a --redis URL takes, for usage and errors.
const redisForms = "redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://…"

// maxSecretFile bounds what is read of a secret's file.
const maxSecretFile = 64 << 10

// secretFlags are the flags whose value is a secret, with their safe forms.
var secretFlags = []struct{ name, env, file string }{
	{"client-secret", "UPVEST_CLIENT_SECRET", "--client-secret-file"},
	{"private-key-passphrase", "UPVEST_PRIVATE_KEY_PASSPHRASE", "--private-key-passphrase-file"},
	{"redis", redisEnv, ""},
}

// warnSecretFlags prints one line on stderr per secret given as a flag
// value on the command line, naming its safe forms (never the value). A
// Redis URL is a secret when it holds a password.
func (a *app) warnSecretFlags(fs *flag.FlagSet) {
	set := visited(fs)
	for _, s := range secretFlags {
		f := fs.Lookup(s.name)
		if !set[s.name] || f == nil || f.Value.String() == "" || (s.name == "redis" && !urlHasPassword(f.Value.String())) {
			continue
		}
		safe := s.env
		if s.file != "" {
			safe += " or " + s.file
		}
		fmt.Fprintf(a.stderr, "upvest: warning: --%s on the command line can be read by every local user (ps, /proc); use %s instead\n", s.name, safe)
	}
}

// urlHasPassword reports whether raw, a URL, holds a password (or cannot be
// parsed and has user info).
func urlHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.Contains(raw, "@")
	}
	_, ok := u.User.Password()
	return ok
}

// readSecretFiles reads the secrets given by --client-secret-file and
// --private-key-passphrase-file; giving one both as a flag value and as a
// file is a usage error.
func (c *credentials) readSecretFiles() error {
	set := visited(c.fs)
	for _, s := range []struct {
		value      *string
		file, flag string
	}{
		{&c.clientSecret, c.clientSecretFile, "client-secret"},
		{&c.passphrase, c.passphraseFile, "private-key-passphrase"},
	} {
		if s.file == "" {
			continue
		}
		if set[s.flag] {
			return usageErr(fmt.Sprintf("--%s-file and --%s: give the secret one way, not both", s.flag, s.flag))
		}
		v, err := readSecretFile(s.file, "--"+s.flag+"-file")
		if err != nil {
			return err
		}
		*s.value = v
	}
	return nil
}

// readSecretFile reads a secret from path, dropping one final line break;
// flag names the flag in errors. An empty or oversized file is a usage
// error; one that cannot be read is an error naming it.
func readSecretFile(path, flag string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: reading %s: %w", flag, path, err)
	case len(b) > maxSecretFile:
		return "", usageErr(fmt.Sprintf("%s %s is over 64 KiB: not a secret", flag, path))
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", usageErr(fmt.Sprintf("%s %s is empty", flag, path))
	}
	return s, nil
}
