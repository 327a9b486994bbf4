package upvest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// TestClockOffLearnsTheOffset: with the server's clock 10 minutes ahead,
// then behind, every call succeeds, and at most one request is refused
// per client while it learns the offset from the answer's Date.
func TestClockOffLearnsTheOffset(t *testing.T) {
	t.Parallel()
	for _, off := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(off.String(), func(t *testing.T) {
			t.Parallel()
			sb, err := sandbox.Start(sandbox.Config{Faults: sandbox.Faults{ClockOffset: off}}, sandbox.Ed25519)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			var refused atomic.Int32
			cfg := configFor(sb)
			cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := http.DefaultTransport.RoundTrip(r)
				if err == nil && resp.StatusCode == http.StatusUnauthorized {
					refused.Add(1)
				}
				return resp, err
			})}
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := upvest.New(cfg, fastRetries, upvest.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			user := sb.NewUser()
			for i := 0; i < 3; i++ {
				g, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal)
				if err != nil {
					t.Fatalf("create %d: %v", i+1, err)
				}
				if _, err := c.GetAccountGroup(ctx, g.ID); err != nil {
					t.Fatalf("get %d: %v", i+1, err)
				}
			}
			if n := refused.Load(); n > 1 {
				t.Fatalf("%d requests refused 401, want at most one while the offset is learned", n)
			}
			if n := strings.Count(logs.String(), "upvest clock offset learned from Date"); n != 1 {
				t.Fatalf("%d DEBUG lines about the offset, want 1:\n%s", n, logs.String())
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
