package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

// credentials are the flags every API command takes, with -v/--verbose.
type credentials struct {
	baseURL, clientID, clientSecret, keyID, keyFile, passphrase string
	clientSecretFile, passphraseFile                            string
	verbose                                                     bool
	fs                                                          *flag.FlagSet // where they are registered
	budget                                                      *budget       // the account-group commands' rate limit, or nil
	close                                                       func()        // closes what newClient opened
}

// credentialFlags are the flags register defines; usage lists them apart.
var credentialFlags = map[string]bool{
	"base-url": true, "client-id": true, "client-secret": true, "client-secret-file": true, "key-id": true,
	"private-key-file": true, "private-key-passphrase": true, "private-key-passphrase-file": true,
}

// envFlags are the flags whose default comes from the environment: usage
// never prints their default, which may be a secret.
var envFlags = map[string]bool{
	"base-url": true, "client-id": true, "client-secret": true, "key-id": true,
	"private-key-file": true, "private-key-passphrase": true, "redis": true,
}

func (c *credentials) register(fs *flag.FlagSet, getenv env, verbose bool) {
	c.fs = fs
	fs.StringVar(&c.baseURL, "base-url", getenv("UPVEST_BASE_URL"), "the API's base `URL`, UPVEST_BASE_URL (default "+upvest.SandboxURL+")")
	fs.StringVar(&c.clientID, "client-id", getenv("UPVEST_CLIENT_ID"), "your tenant's client `ID`, UPVEST_CLIENT_ID")
	fs.StringVar(&c.clientSecret, "client-secret", getenv("UPVEST_CLIENT_SECRET"), "your tenant's client `SECRET`, UPVEST_CLIENT_SECRET (as a flag, every local user can read it: prefer the variable or --client-secret-file)")
	fs.StringVar(&c.clientSecretFile, "client-secret-file", "", "read the client secret from `FILE` (a final line break is dropped)")
	fs.StringVar(&c.keyID, "key-id", getenv("UPVEST_KEY_ID"), "the `ID` Upvest gave your signing key, UPVEST_KEY_ID")
	fs.StringVar(&c.keyFile, "private-key-file", getenv("UPVEST_PRIVATE_KEY_FILE"), "your signing key, a PEM `FILE` (ECDSA P-521 or Ed25519), UPVEST_PRIVATE_KEY_FILE")
	fs.StringVar(&c.passphrase, "private-key-passphrase", getenv("UPVEST_PRIVATE_KEY_PASSPHRASE"), "the signing key's `PASSPHRASE` if it is encrypted, UPVEST_PRIVATE_KEY_PASSPHRASE (as a flag, every local user can read it: prefer the variable or --private-key-passphrase-file)")
	fs.StringVar(&c.passphraseFile, "private-key-passphrase-file", "", "read the signing key's passphrase from `FILE` (a final line break is dropped)")
	registerVerbose(fs, &c.verbose, verbose, "one line on stderr per HTTP attempt: method, path, status, attempt, request id, duration")
}

// registerVerbose defines -v and --verbose on one variable.
func registerVerbose(fs *flag.FlagSet, v *bool, def bool, usage string) {
	fs.BoolVar(v, "v", def, usage)
	fs.BoolVar(v, "verbose", def, usage)
}

// check refuses missing credentials, naming the variables and flags to
// set, and a base URL the client would refuse, before anything is sent.
func (c *credentials) check() error {
	if err := c.readSecretFiles(); err != nil {
		return err
	}
	var missing []string
	for _, s := range []struct{ value, env, flag string }{
		{c.clientID, "UPVEST_CLIENT_ID", "--client-id"},
		{c.clientSecret, "UPVEST_CLIENT_SECRET", "--client-secret-file"},
		{c.keyID, "UPVEST_KEY_ID", "--key-id"},
		{c.keyFile, "UPVEST_PRIVATE_KEY_FILE", "--private-key-file"},
	} {
		if s.value == "" {
			missing = append(missing, s.env+" (or "+s.flag+")")
		}
	}
	if len(missing) > 0 {
		return usageErr("missing credentials: set " + joinList(missing, "and"))
	}
	return checkBaseURL(c.baseURL)
}

// checkBaseURL is the client's rule on base URLs, told in terms of the flag
// and the variable; it never repeats the URL's user info.
func checkBaseURL(raw string) error {
	if raw == "" {
		return nil // the sandbox
	}
	const what = "--base-url (UPVEST_BASE_URL) "
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Scheme == "":
		return usageErr(what + "must be an absolute URL, such as " + upvest.SandboxURL)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return usageErr(what + "must have no user info, query or fragment (host " + u.Host + ")")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return usageErr(what + "must use https (plain http only on a loopback host such as 127.0.0.1), not " + u.Scheme + "://" + u.Host)
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// newClient builds the API client from the credentials, sending through hc
// (nil: the default). Missing or wrong credentials are usage errors.
func (a *app) newClient(c *credentials, hc *http.Client, userAgent string) (*upvest.Client, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	pemBytes, err := os.ReadFile(c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key (--private-key-file, UPVEST_PRIVATE_KEY_FILE): %w", err)
	}
	opts := []upvest.Option{upvest.WithUserAgent(userAgent)}
	c.close = func() {}
	if c.budget != nil {
		limit, closer, err := c.budget.options(c.clientID)
		if err != nil {
			return nil, err
		}
		opts, c.close = append(opts, limit...), closer
	}
	if c.verbose {
		opts = append(opts, upvest.WithLogger(attemptLogger(a.stderr)))
	}
	client, err := upvest.New(upvest.Config{
		BaseURL: cmp.Or(c.baseURL, upvest.SandboxURL), ClientID: c.clientID, ClientSecret: c.clientSecret, KeyID: c.keyID,
		PrivateKeyPEM: pemBytes, PrivateKeyPassphrase: []byte(c.passphrase), HTTPClient: hc,
	}, opts...)
	if err != nil {
		c.close()
	}
	var keyErr *middleware.KeyError
	switch {
	case errors.Is(err, middleware.ErrPassphraseRequired):
		return nil, usageErr(fmt.Sprintf("the signing key %s is encrypted: set UPVEST_PRIVATE_KEY_PASSPHRASE (or --private-key-passphrase-file)", c.keyFile))
	case errors.As(err, &keyErr):
		return nil, fmt.Errorf("the signing key %s (--private-key-file, UPVEST_PRIVATE_KEY_FILE): %w", c.keyFile, err)
	}
	return client, err
}

// proceed is what parse returns when the command should go on.
const proceed = -1

// flagSet returns the current command's flag set, silent: parse reports.
func (a *app) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(a.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, flags before or after the positional arguments,
// which it returns; names are the arguments wanted (such as "ID"). With
// -h/--help anywhere it prints the command's usage and returns 0; after a
// usage error it returns 2; else proceed.
func (a *app) parse(fs *flag.FlagSet, args []string, names ...string) ([]string, int) {
	if wantsHelp(args) {
		a.commandUsage(fs)
		return nil, 0
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, a.usageError(flagError(err))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	a.warnSecretFlags(fs)
	switch {
	case len(pos) == len(names):
		return pos, proceed
	case len(names) == 0:
		return nil, a.usageError(fmt.Sprintf("takes no arguments, got %q", pos[0]))
	case len(pos) < len(names):
		return nil, a.usageError(names[len(pos)] + " is required")
	}
	return nil, a.usageError(fmt.Sprintf("takes one %s, got %d arguments", strings.Join(names, " "), len(pos)))
}

// wantsHelp reports whether args ask for help before any "--".
func wantsHelp(args []string) bool {
	for _, s := range args {
		switch s {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

var flagInError = regexp.MustCompile(`(: |for flag |for )-([A-Za-z][\w-]*)`)

// flagError renders a flag package error with the flag spelled as it is
// documented: --name (-v stays -v).
func flagError(err error) string {
	return flagInError.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := flagInError.FindStringSubmatch(m)
		if len(sub[2]) == 1 {
			return m
		}
		return sub[1] + "--" + sub[2]
	})
}

// visited returns the names of the flags set on the command line.
func visited(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// parseUUID reads v as a UUID in its 36-character form, as the API writes
// ids, or fails with a usage error naming what (the nil UUID included).
func parseUUID(what, v string) (uuid.UUID, error) {
	u, err := uuid.Parse(v)
	switch {
	case err != nil || len(v) != 36:
		return uuid.Nil, usageErr(fmt.Sprintf("%s must be a UUID, not %q", what, v))
	case u == uuid.Nil:
		return uuid.Nil, usageErr(fmt.Sprintf("%s must not be the nil UUID (no id is all zeros)", what))
	}
	return u, nil
}

// parseEnum reads v, upper-cased, as one of values (the document's, which
// are upper case).
func parseEnum[T ~string](v string, values []T) (T, bool) {
	t := T(strings.ToUpper(v))
	return t, slices.Contains(values, t)
}

// names joins values as "A, B or C".
func names[T ~string](values []T) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return joinList(out, "or")
}

// idempotencyKeyOK reports whether key matches Upvest's published pattern.
func idempotencyKeyOK(key string) bool { return middleware.CheckIdempotencyKey(key) == nil }

// joinList joins items as "a, b and c" (conj "and") or "a, b or c".
func joinList(items []string, conj string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
