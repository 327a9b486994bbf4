package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upvest-go/upvest/gen"
)

func must(req *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return req
}

func ioNop(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func ioReadAll(req *http.Request) ([]byte, error) { return io.ReadAll(req.Body) }

func jwks(kid string, pub *ecdsa.PublicKey) []byte {
	b, _ := json.Marshal(gen.JWKS{Keys: []gen.JWK{jwkOf(kid, pub)}})
	return b
}

// jwkOf is the JSON Web Key of a P-521 public key as Upvest publishes it
// (unpadded base64url of 66-byte coordinates), written out here so the
// parser is checked against the published form (the sandbox has its own
// encoder, for what it serves).
func jwkOf(kid string, pub *ecdsa.PublicKey) gen.JWK {
	b, _ := pub.Bytes() // 0x04, then X and Y of 66 bytes each
	n := (len(b) - 1) / 2
	enc := base64.RawURLEncoding.EncodeToString
	return gen.JWK{Kid: kid, Kty: gen.JWKKtyEC, Crv: gen.JWKCrvP521, X: enc(b[1 : 1+n]), Y: enc(b[1+n:])}
}

func (f *fixture) refusals() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.refused...)
}

// logSink is a slog.Handler keeping every record, for tests that check
// what a component logs.
type logSink struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // receives (without blocking) after each record
}

func newLogSink() (*logSink, *slog.Logger) {
	s := &logSink{changed: make(chan struct{}, 1)}
	return s, slog.New(s)
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *logSink) WithGroup(string) slog.Handler            { return s }

func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

// find returns the lines holding every one of parts.
func (s *logSink) find(parts ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		if containsAll(l, parts) {
			out = append(out, l)
		}
	}
	return out
}

// wait waits for a line holding every one of parts.
func (s *logSink) wait(t *testing.T, parts ...string) string {
	t.Helper()
	return s.waitN(t, 1, parts...)[0]
}

// waitN waits for n lines holding every one of parts.
func (s *logSink) waitN(t *testing.T, n int, parts ...string) []string {
	t.Helper()
	deadline := time.After(failsafe)
	for {
		if got := s.find(parts...); len(got) >= n {
			return got
		}
		select {
		case <-s.changed:
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("not %d log lines with %q after %s; lines: %q", n, parts, failsafe, s.lines)
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
