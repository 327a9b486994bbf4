package upvest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
)

// TestEmptyIdempotencyKeyRefused: WithIdempotencyKey("") is a mistake (a
// key read back empty from storage), never a request for a random key.
func TestEmptyIdempotencyKeyRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	_, err := f.client(t).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal, upvest.WithIdempotencyKey(""))
	if !errors.Is(err, upvest.ErrInvalidArgument) || len(f.requests()) != 0 {
		t.Fatalf("err = %v, %d requests sent", err, len(f.requests()))
	}
}

// TestCloseNotSettledAfterConnectTimeout: an attempt that never got a
// connection cannot have reached the server, so a later 409 is returned
// as it is, without reading the group.
func TestCloseNotSettledAfterConnectTimeout(t *testing.T) {
	t.Parallel()
	var gets atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, strings.Replace(groupJSON, `"ACTIVE"`, `"CLOSING"`, 1))
			return
		}
		writeProblem(w, 409, "conflict")
	})
	var dials atomic.Int32
	d := &net.Dialer{}
	// The hung dial ends when net/http cancels it or, at the latest, when
	// the test ends: net/http may keep a dial going after its request gave
	// up, and a test leaves no goroutine behind.
	release, hungDone := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() {
		close(release)
		if dials.Load() >= 2 {
			<-hungDone
		}
	})
	cfg := f.config()
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
			if dials.Add(1) == 2 { // the first API dial hangs (a black-holed SYN)
				defer close(hungDone)
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-release:
					return nil, net.ErrClosed
				}
			}
			return d.DialContext(ctx, n, a)
		}}}
	c, err := upvest.New(cfg, fastRetries, upvest.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CloseAccountGroup(context.Background(), theGroup); !errors.Is(err, upvest.ErrConflict) || gets.Load() != 0 {
		t.Fatalf("err = %v after %d reads, want ErrConflict and no read", err, gets.Load())
	}
}
