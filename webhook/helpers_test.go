package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/webhook"
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

var now = time.Unix(1700000000, 0)

type fixture struct {
	key     *ecdsa.PrivateKey
	kid     string
	signer  *webhook.TestSigner
	keys    webhook.StaticKeys
	mu      sync.Mutex
	got     []webhook.AccountGroupEvent
	unknown []webhook.RawEvent
	refused []error
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{key: k, kid: uuid.NewString()}
	f.signer = &webhook.TestSigner{Key: k, KeyID: f.kid, Now: func() time.Time { return now }}
	f.keys = webhook.StaticKeys{f.kid: &k.PublicKey}
	return f
}

func (f *fixture) handler(keys webhook.KeySource, opts ...webhook.Option) *webhook.Handler {
	v := &webhook.Verifier{Keys: keys, Now: func() time.Time { return now }, MaxBodyBytes: 64 << 10}
	opts = append([]webhook.Option{
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.got = append(f.got, e)
			return nil
		}),
		webhook.OnUnknownEvent(func(_ context.Context, e webhook.RawEvent) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.unknown = append(f.unknown, e)
			return nil
		}),
		webhook.OnRefusal(func(_ *http.Request, err error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.refused = append(f.refused, err)
		}),
	}, opts...)
	return webhook.NewHandler(v, opts...)
}

func event(typ string) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "created_at": "2021-07-21T14:10:00.00Z", "type": typ, "webhook_id": uuid.NewString(),
		"object": map[string]any{
			"id": uuid.NewString(), "created_at": "2020-08-24T14:15:22Z", "updated_at": "2020-08-24T14:15:22Z",
			"securities_account_number": "123456789", "status": "ACTIVE", "type": "PERSONAL",
			"users": []any{map[string]any{"id": uuid.NewString(), "type": "OWNER"}},
		},
	}
}

// failsafe bounds every wait of these tests; reaching it is a failure, never
// a measurement.
const failsafe = 10 * time.Second

func jwksOf(keys map[string]*ecdsa.PublicKey) []byte {
	var set gen.JWKS
	for kid, pub := range keys {
		set.Keys = append(set.Keys, jwkOf(kid, pub))
	}
	b, _ := json.Marshal(set)
	return b
}

// result of one Key call made in a goroutine.
type keyResult struct {
	key *ecdsa.PublicKey
	err error
}

func lookup(ctx context.Context, keys webhook.KeySource, kid string) <-chan keyResult {
	ch := make(chan keyResult, 1)
	go func() {
		k, err := keys.Key(ctx, kid)
		ch <- keyResult{k, err}
	}()
	return ch
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failsafe):
		t.Fatalf("%s: nothing after %s", what, failsafe)
		panic("unreachable")
	}
}
