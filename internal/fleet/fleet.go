// Package fleet is the load behind the fleet's rate budget (issue 31):
// replicas of a service, each a Client with its workers making list calls
// against a tenant whose requests are limited, and a counter in front of
// the server that sees every request and every 429. The four-replica test
// in ratelimit/redisrate and the measurement in internal/fleetload (its
// replicas processes) both use it.
package fleet

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/routes"
)

// Result is what one replica (or a fleet, summed) saw.
type Result struct {
	OK, Failed int // calls
	Attempts   int // requests sent, retries included
	Elapsed    time.Duration
	FirstError string // the first failed call's error, for the report
	// RedisRoundTrips is what the replica's limiter sent to Redis, when
	// the measurement counts it.
	RedisRoundTrips int
}

// Add sums r and o; the elapsed time is the longer one.
func (r Result) Add(o Result) Result {
	r.OK, r.Failed, r.Attempts = r.OK+o.OK, r.Failed+o.Failed, r.Attempts+o.Attempts
	r.RedisRoundTrips += o.RedisRoundTrips
	r.Elapsed = max(r.Elapsed, o.Elapsed)
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
	return r
}

// Replica makes calls list calls with c, spread over workers goroutines,
// and returns what they saw.
func Replica(ctx context.Context, c *upvest.Client, workers, calls int) Result {
	var (
		mu   sync.Mutex
		res  Result
		next atomic.Int64
		wg   sync.WaitGroup
	)
	began := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(calls) {
				var info upvest.ResponseInfo
				_, err := c.ListAccountGroups(ctx, &upvest.ListParams{Limit: 1}, upvest.WithResponseInfo(&info))
				mu.Lock()
				res.Attempts += info.Attempts
				if err != nil {
					res.Failed++
					if res.FirstError == "" {
						res.FirstError = err.Error()
					}
				} else {
					res.OK++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(began)
	return res
}

// Counter counts the API requests that reach a server and the 429s it
// answers: the operations that need a token, as the document declares
// them (internal/routes), so token requests are not counted. Safe for
// concurrent use.
type Counter struct {
	requests, throttled atomic.Int64
}

// Wrap returns next behind the counter.
func (c *Counter) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if op := routes.Lookup(r.Method, r.URL.Path); op == nil || !op.Secured() {
			next.ServeHTTP(w, r)
			return
		}
		c.requests.Add(1)
		sw := &status{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == http.StatusTooManyRequests {
			c.throttled.Add(1)
		}
	})
}

// Counts returns the requests and the 429s so far.
func (c *Counter) Counts() (requests, throttled int64) {
	return c.requests.Load(), c.throttled.Load()
}

// status records the status a handler wrote.
type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *status) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (s *status) Unwrap() http.ResponseWriter { return s.ResponseWriter }
