package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

// credentials are the flags every API command takes.
type credentials struct {
	baseURL, clientID, clientSecret, keyID, keyFile, passphrase string
}

func (c *credentials) register(fs *flag.FlagSet, getenv env) {
	fs.StringVar(&c.baseURL, "base-url", getenv("UPVEST_BASE_URL"), "API base URL (UPVEST_BASE_URL)")
	fs.StringVar(&c.clientID, "client-id", getenv("UPVEST_CLIENT_ID"), "tenant client id (UPVEST_CLIENT_ID)")
	fs.StringVar(&c.clientSecret, "client-secret", getenv("UPVEST_CLIENT_SECRET"), "client secret (UPVEST_CLIENT_SECRET)")
	fs.StringVar(&c.keyID, "key-id", getenv("UPVEST_KEY_ID"), "signing key id (UPVEST_KEY_ID); for webhooks listen with a PEM --jwks-file, the kid Upvest signs deliveries with")
	fs.StringVar(&c.keyFile, "private-key-file", getenv("UPVEST_PRIVATE_KEY_FILE"), "PEM signing key (UPVEST_PRIVATE_KEY_FILE)")
	fs.StringVar(&c.passphrase, "private-key-passphrase", getenv("UPVEST_PRIVATE_KEY_PASSPHRASE"), "key passphrase (UPVEST_PRIVATE_KEY_PASSPHRASE)")
}

// client builds the API client; the error is printed as is.
func (c *credentials) client() (*upvest.Client, error) {
	if c.keyFile == "" {
		return nil, errors.New("a signing key is required: --private-key-file or UPVEST_PRIVATE_KEY_FILE")
	}
	pemBytes, err := os.ReadFile(c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	return upvest.New(upvest.Config{
		BaseURL: c.baseURL, ClientID: c.clientID, ClientSecret: c.clientSecret, KeyID: c.keyID,
		PrivateKeyPEM: pemBytes, PrivateKeyPassphrase: []byte(c.passphrase),
	}, upvest.WithUserAgent("upvest-cli"))
}

// parse parses args with fs, allowing flags after positional arguments, and
// returns the positionals. ok is false after a usage error was printed.
func (a *app) parse(fs *flag.FlagSet, args []string, wantPositional int, synopsis string) ([]string, bool) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			a.usageError(synopsis + ": " + err.Error())
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != wantPositional {
		a.usageError(fmt.Sprintf("%s: want %d argument(s), got %d", synopsis, wantPositional, len(pos)))
		return nil, false
	}
	return pos, true
}

// fail prints err as one line and returns 1. A failed create names its
// idempotency key and how to settle it.
func (a *app) fail(err error) int {
	line := oneLine(err)
	if key, ok := upvest.IdempotencyKeyOf(err); ok {
		if !strings.Contains(line, "idempotency-key="+key) {
			line += " idempotency-key=" + key
		}
		line += "; the create may have happened: re-run it with --idempotency-key " + key + " to settle it without creating twice"
	}
	fmt.Fprintf(a.stderr, "%s\n", line)
	return 1
}

// oneLine renders err on one line, starting with the status, problem type
// and request id for API errors.
func oneLine(err error) string {
	var apiErr *upvest.APIError
	if errors.As(err, &apiErr) {
		s := fmt.Sprintf("upvest: HTTP %d", apiErr.StatusCode)
		if apiErr.Type != "" {
			s += " " + apiErr.Type
		}
		if id := apiErr.ID(); id != "" {
			s += " request-id=" + id
		}
		if apiErr.Detail != "" {
			s += ": " + apiErr.Detail
		} else if apiErr.Err != nil {
			s += ": " + apiErr.Err.Error()
		}
		return flatten(s)
	}
	var te *middleware.TokenError
	if errors.As(err, &te) && te.StatusCode != 0 {
		s := fmt.Sprintf("upvest: HTTP %d", te.StatusCode)
		if te.Type != "" {
			s += " " + te.Type
		}
		if te.RequestID != "" {
			s += " request-id=" + te.RequestID
		}
		return flatten(s + ": " + err.Error())
	}
	msg := err.Error()
	if len(msg) < 8 || msg[:8] != "upvest: " {
		msg = "upvest: " + msg
	}
	return flatten(msg)
}

func flatten(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
