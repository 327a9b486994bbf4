package upvest_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/gen"
)

// *rate.Limiter is all one process needs.
var _ upvest.RateLimiter = (*rate.Limiter)(nil)

// countingLimiter counts permits and the 429s it hears of; err, when set,
// refuses every permit.
type countingLimiter struct {
	permits atomic.Int32
	err     error

	mu        sync.Mutex
	throttled []time.Duration
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	if l.err != nil {
		return l.err
	}
	l.permits.Add(1)
	return ctx.Err()
}

func (l *countingLimiter) Throttled(_ context.Context, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttled = append(l.throttled, d)
}

func (l *countingLimiter) heard() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.throttled...)
}

// answers answers the API calls with the statuses in turn, then the group.
func answers(statuses ...int) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if i := int(n.Add(1)) - 1; i < len(statuses) {
			if statuses[i] == http.StatusTooManyRequests && i == 0 {
				w.Header().Set("Retry-After", "1")
			}
			writeProblem(w, statuses[i], "x")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(groupJSON))
	}
}

func TestRateLimiterPermitPerAttempt(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"facade", "generated"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, answers(http.StatusServiceUnavailable, http.StatusServiceUnavailable))
			l := &countingLimiter{}
			switch path {
			case "facade":
				if _, err := f.client(t, upvest.WithRateLimiter(l)).CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal); err != nil {
					t.Fatal(err)
				}
			case "generated":
				opts, err := upvest.GeneratedClientOptions(f.config(), fastRetries, upvest.WithRateLimiter(l))
				if err != nil {
					t.Fatal(err)
				}
				api, err := gen.NewClientWithResponses(f.srv.URL, opts...)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := api.GetAccountGroupWithResponse(context.Background(), theGroup)
				if err != nil || resp.StatusCode() != 200 {
					t.Fatalf("status %d, err %v", resp.StatusCode(), err)
				}
			}
			// Three attempts, three permits; the token request drew none.
			if got, sent := int(l.permits.Load()), len(f.requests()); got != 3 || sent != 3 || f.tokenCount() != 1 {
				t.Fatalf("%d permits for %d attempts and %d token requests; want 3, 3, 1", got, sent, f.tokenCount())
			}
		})
	}
}

func TestRateLimiterRefusalSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFake(t, nil)
	refused := errors.New("rate: Wait(n=1) would exceed context deadline")
	c := f.client(t, upvest.WithRateLimiter(&countingLimiter{err: refused}))
	_, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
	var ce *upvest.CallError
	if !errors.As(err, &ce) || !errors.Is(err, refused) {
		t.Fatalf("err = %v; want a *CallError wrapping the limiter's", err)
	}
	if upvest.MayHaveHappened(err) || len(f.requests()) != 0 || ce.Attempts != 0 {
		t.Fatalf("MayHaveHappened %v, %d sent, %d attempts; want false, 0, 0", upvest.MayHaveHappened(err), len(f.requests()), ce.Attempts)
	}
}

func TestRateLimiterHearsOf429(t *testing.T) {
	t.Parallel()
	// The first 429 says Retry-After: 1, the second says nothing; a 503
	// is no news for the limiter.
	f := newFake(t, answers(http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusServiceUnavailable))
	l := &countingLimiter{}
	policy := upvest.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 5 * time.Millisecond}
	c := f.client(t, upvest.WithRateLimiter(l), upvest.WithRetryPolicy(policy))
	if _, err := c.GetAccountGroup(context.Background(), theGroup); err != nil {
		t.Fatal(err)
	}
	// Retry-After 1 s is capped by the policy's MaxRetryAfter: the
	// limiter hears the wait the call itself honours.
	if got := l.heard(); len(got) != 2 || got[0] != 5*time.Millisecond || got[1] != 0 {
		t.Fatalf("the limiter heard %v; want [5ms 0]", got)
	}
}
