package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/upvest-go/upvest/sandbox"
)

// world is a sandbox on loopback and the environment pointing at it.
type world struct {
	sb   *sandbox.Sandbox
	env  map[string]string
	user string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.Ed25519) // the fastest key under -race
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	creds := sb.Credentials
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, creds.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &world{sb: sb, user: sb.NewUser().String(), env: map[string]string{
		"UPVEST_BASE_URL": sb.URL, "UPVEST_CLIENT_ID": creds.ClientID, "UPVEST_CLIENT_SECRET": creds.ClientSecret,
		"UPVEST_KEY_ID": creds.KeyID, "UPVEST_PRIVATE_KEY_FILE": keyFile,
	}}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine;
// wrote tells a reader when it changes.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed, then replaced, at each Write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wrote returns the text so far and a channel closed at the next Write.
func (s *syncBuffer) wrote() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written == nil {
		s.written = make(chan struct{})
	}
	return s.b.String(), s.written
}

// waitFor waits until re matches what buf holds, or failsafe passes; it
// reports whether it matched. It wakes at each write, never polls.
func (s *syncBuffer) waitFor(re *regexp.Regexp) bool {
	deadline := time.NewTimer(failsafe)
	defer deadline.Stop()
	for {
		text, written := s.wrote()
		if re.MatchString(text) {
			return true
		}
		select {
		case <-written:
		case <-deadline.C:
			return false
		}
	}
}

func (w *world) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return w.runIn(context.Background(), args...)
}

// runIn runs the CLI with ctx as the process's signal context.
func (w *world) runIn(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errb syncBuffer
	code = run(ctx, args, func(k string) string { return w.env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

// waitMatch waits until re matches buf and returns the first group.
func waitMatch(t *testing.T, buf *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	if !buf.waitFor(re) {
		t.Fatalf("no %s in %q after %s", re, buf.String(), failsafe)
	}
	return re.FindStringSubmatch(buf.String())[1]
}
