package sandbox

import (
	"context"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/upvest-go/upvest/internal/clock"
)

// Faults make a share of calls fail, deterministically for a given Seed. Each
// share is a probability from 0 to 1, drawn per call.
type Faults struct {
	// Seed seeds the draws: the same seed and calls give the same faults.
	Seed uint64
	// RateLimited is the share of calls answered 429 before any effect.
	RateLimited float64
	// RetryAfter, when positive, is sent as Retry-After (seconds) with
	// those 429s.
	RetryAfter int
	// ServerErrors is the share answered with a server error before any
	// effect, its status drawn from ServerErrorStatuses.
	ServerErrors float64
	// ServerErrorStatuses are the statuses of those errors; nil means 500,
	// 503 and 504, the ones the API document lists.
	ServerErrorStatuses []int
	// LostAnswers is the share of successful creates whose answer is lost:
	// the group is created, then the connection is closed unanswered.
	LostAnswers float64
	// Latency delays the answer to every call that passes the checks made
	// before its body is read (see the package documentation), once its
	// body is in.
	Latency time.Duration
	// ClockOffset sets the sandbox's clock that far from its Config.Now
	// (positive: ahead), as a server whose clock differs from the
	// client's: signatures, tokens and the Date header of every answer
	// follow it. Upvest checks a signature's created and expires against
	// its own clock, so a client whose clock is off is refused 401 until
	// it learns the offset from Date.
	ClockOffset time.Duration
	// TenantRate, when positive, limits the API calls of each client id
	// (the upvest-client-id header) to this many per second, as Upvest
	// limits each client: a call above it is answered 429 with a
	// problem+json and, as on Upvest, no Retry-After (RetryAfter is for
	// the RateLimited share only). Token requests (POST /auth/token) are
	// not counted, as the client's limiter draws no permit for them. A
	// call is counted as soon as it reaches an operation, before any check:
	// refused calls count too (a client's retries spend its budget), and a
	// client id the sandbox does not know has a budget of its own (401s
	// within it, 429s above). Each client id's budget is a token bucket
	// (golang.org/x/time/rate) on the sandbox's clock; SetFaults starts
	// them all afresh.
	TenantRate float64
	// TenantBurst is how many calls a client id may make at once, the
	// bucket's size; 0 (or less) means one second's worth of TenantRate,
	// rounded up, at least 1.
	TenantBurst int
}

// faults draws the configured faults. It is safe for concurrent use.
type faults struct {
	mu      sync.Mutex
	f       Faults
	rng     *mathrand.Rand
	tenants map[string]*rate.Limiter // client id → its TenantRate budget
	sweepAt time.Time                // when tenants is next swept
}

func newFaults(f Faults) *faults {
	fs := &faults{}
	fs.set(f)
	return fs
}

func (fs *faults) set(f Faults) {
	fs.mu.Lock()
	fs.f = f
	fs.rng = mathrand.New(mathrand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	fs.tenants, fs.sweepAt = map[string]*rate.Limiter{}, time.Time{}
	fs.mu.Unlock()
}

// SetFaults replaces the fault configuration (and reseeds the draws).
func (s *Sandbox) SetFaults(f Faults) { s.faults.set(f) }

// clockOffset is the configured ClockOffset.
func (fs *faults) clockOffset() time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f.ClockOffset
}

// now is the sandbox's clock: Config.Now moved by the ClockOffset fault.
func (s *Sandbox) now() time.Time { return s.cfg.Now().Add(s.faults.clockOffset()) }

// wait sleeps the configured latency; false when ctx ended first.
func (fs *faults) wait(ctx context.Context) bool {
	fs.mu.Lock()
	d := fs.f.Latency
	fs.mu.Unlock()
	if d <= 0 {
		return true
	}
	return clock.Sleep(ctx.Done(), d)
}

// draw decides whether this call fails before any effect: it returns the
// status (0 for none) and the Retry-After seconds to send.
func (fs *faults) draw() (status, retryAfter int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	rl := f.RateLimited > 0 && fs.rng.Float64() < f.RateLimited
	se := !rl && f.ServerErrors > 0 && fs.rng.Float64() < f.ServerErrors
	codes := f.ServerErrorStatuses
	if len(codes) == 0 {
		codes = []int{500, 503, 504}
	}
	code := codes[fs.rng.IntN(len(codes))]
	switch {
	case rl:
		return http.StatusTooManyRequests, f.RetryAfter
	case se:
		return code, 0
	}
	return 0, 0
}

// loseAnswer reports whether this create's answer is to be lost.
func (fs *faults) loseAnswer() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f.LostAnswers > 0 && fs.rng.Float64() < fs.f.LostAnswers
}

// injectFault answers a 429 or 5xx before any effect, as configured.
func (s *Sandbox) injectFault(w http.ResponseWriter, r *http.Request) bool {
	status, retryAfter := s.faults.draw()
	switch {
	case status == 0:
		return false
	case status == http.StatusTooManyRequests:
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		s.problem(w, r, status, "too_many_requests", "injected fault: rate limited")
	default:
		s.problem(w, r, status, problemType(status), "injected fault: server error")
	}
	return true
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
