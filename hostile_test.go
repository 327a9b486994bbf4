package upvest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upvest-go/upvest"
)

// ownTransport gives a test its own connection pool, closed at the end, so
// goleak sees every goroutine the client started gone.
func ownTransport(t *testing.T) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// hostile answers: each gives a typed error with the status and request id
// where known, no panic, and no goroutine left behind.
func TestHostileServers(t *testing.T) {
	type want struct {
		status   int
		response bool // a *ResponseError (inside or alone)
		call     bool // a *CallError: no answer at all
	}
	tests := []struct {
		name   string
		handle http.HandlerFunc
		want   want
	}{
		{"HTML 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><h1>502 Bad Gateway</h1></html>")
		}, want{status: 502, response: true}},
		{"JSON truncated mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(groupJSON)))
			io.WriteString(w, groupJSON[:50])
			// the handler returns: the connection is closed short of the length
		}, want{status: 200, response: true}},
		{"body over the size limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"pad":"`+strings.Repeat("x", 64<<10)+`"}`)
		}, want{status: 200, response: true}},
		{"stalls mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, groupJSON[:20])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, want{status: 200, response: true}},
		{"status the document does not list", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(203)
			io.WriteString(w, groupJSON)
		}, want{status: 203, response: true}},
		{"valid status, body without the id", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status":"ACTIVE","type":"PERSONAL"}`)
		}, want{status: 200, response: true}},
		{"connections closed at once", func(w http.ResponseWriter, r *http.Request) {
			hangUp(w)
		}, want{call: true}},
	}
	// Checked once every case and its cleanups are done; goroutines that
	// were there before (other tests' idle connections) are not this
	// test's. Each case runs in parallel with the others, none with
	// another test: this test is not parallel, and parallel tests start
	// only after every sequential one has ended.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.handle)
			cfg := f.config()
			cfg.HTTPClient = ownTransport(t)
			c, err := upvest.New(cfg, upvest.WithTimeout(time.Second), upvest.WithMaxResponseBytes(32<<10),
				upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetAccountGroup(context.Background(), theGroup)
			var respErr *upvest.ResponseError
			var callErr *upvest.CallError
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.want.response:
				if !errors.As(err, &respErr) || respErr.StatusCode != tt.want.status || respErr.RequestID != requestID {
					t.Fatalf("err = %v, want *ResponseError with status %d and the request id", err, tt.want.status)
				}
			case tt.want.call:
				if !errors.As(err, &callErr) {
					t.Fatalf("err = %T %v, want *CallError", err, err)
				}
			}
			// Failures to get a whole answer are retried (net/http may add
			// its own retry of a GET on a reused connection); answers that
			// arrived whole but wrong are not.
			retried := !strings.Contains(tt.name, "without the id") && !strings.Contains(tt.name, "does not list") && !strings.Contains(tt.name, "size limit")
			if n := len(f.requests()); (retried && n < 2) || (!retried && n != 1) {
				t.Fatalf("%d attempts, retried=%v", n, retried)
			}
		})
	}
}

// Connections closed at random: calls either succeed or fail typed, and
// retries carry most of them through.
func TestRandomlyClosedConnections(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		drop := rng.Float64() < 0.4
		mu.Unlock()
		if drop {
			hangUp(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	cfg := f.config()
	cfg.HTTPClient = ownTransport(t)
	c, err := upvest.New(cfg, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i := 0; i < 50; i++ {
		_, err := c.GetAccountGroup(context.Background(), theGroup)
		var callErr *upvest.CallError
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &callErr):
			t.Fatalf("untyped failure %T: %v", err, err)
		}
	}
	if ok < 45 {
		t.Fatalf("only %d of 50 calls got through", ok)
	}
}
