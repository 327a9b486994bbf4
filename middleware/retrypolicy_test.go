package middleware

import (
	"math"
	"testing"
	"time"
)

const forever = time.Duration(math.MaxInt64)

func TestDefaultRetryPolicy(t *testing.T) {
	t.Parallel()
	want := RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second,
		MaxRetryAfter: 30 * time.Second, Budget: 90 * time.Second}
	if got := DefaultRetryPolicy(); got != want {
		t.Errorf("DefaultRetryPolicy() = %+v, want %+v", got, want)
	}
	for _, p := range []RetryPolicy{{}, {MaxAttempts: -1, BaseDelay: -1, MaxDelay: -1, MaxRetryAfter: -1, Budget: -1}} {
		if got := p.WithDefaults(); got != want {
			t.Errorf("%+v.WithDefaults() = %+v, want the defaults %+v", p, got, want)
		}
	}
	mine := RetryPolicy{MaxAttempts: 1, BaseDelay: 1, MaxDelay: 2, MaxRetryAfter: 3, Budget: 4}
	if got := mine.WithDefaults(); got != mine {
		t.Errorf("%+v.WithDefaults() = %+v, want it unchanged", mine, got)
	}
	if got := (RetryPolicy{MaxDelay: time.Second}).WithDefaults(); got.MaxDelay != time.Second || got.BaseDelay != want.BaseDelay {
		t.Errorf("a policy setting MaxDelay only: WithDefaults() = %+v", got)
	}
}

// Ceiling(n) is min(MaxDelay, BaseDelay·2^(n-1)), zero fields taking the
// defaults, with the doubling stopping after 30 and never wrapping round.
func TestRetryPolicyCeiling(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name   string
		policy RetryPolicy
		n      int
		want   time.Duration
	}{
		{"defaults, retry 1", RetryPolicy{}, 1, 200 * ms},
		{"defaults, retry 2", RetryPolicy{}, 2, 400 * ms},
		{"defaults, retry 3", RetryPolicy{}, 3, 800 * ms},
		{"defaults, retry 4", RetryPolicy{}, 4, 1600 * ms},
		{"defaults, retry 5", RetryPolicy{}, 5, 3200 * ms},
		{"defaults, retry 6 capped", RetryPolicy{}, 6, 5 * time.Second},
		{"defaults, retry 100 capped", RetryPolicy{}, 100, 5 * time.Second},
		{"negative fields take defaults", RetryPolicy{BaseDelay: -ms, MaxDelay: -ms}, 2, 400 * ms},
		{"n 0 counts as 1", RetryPolicy{}, 0, 200 * ms},
		{"negative n counts as 1", RetryPolicy{}, -7, 200 * ms},
		{"own base", RetryPolicy{BaseDelay: 100 * ms, MaxDelay: 400 * ms}, 2, 200 * ms},
		{"own cap reached", RetryPolicy{BaseDelay: 100 * ms, MaxDelay: 400 * ms}, 3, 400 * ms},
		{"own cap kept", RetryPolicy{BaseDelay: 100 * ms, MaxDelay: 400 * ms}, 4, 400 * ms},
		{"cap between doublings", RetryPolicy{BaseDelay: 100 * ms, MaxDelay: 300 * ms}, 3, 300 * ms},
		{"base above cap", RetryPolicy{BaseDelay: 10 * time.Second, MaxDelay: time.Second}, 1, time.Second},
		{"only base set, cap is the default", RetryPolicy{BaseDelay: 4 * time.Second}, 2, 5 * time.Second},
		{"only cap set, base is the default", RetryPolicy{MaxDelay: time.Minute}, 9, 200 * ms << 8},
		{"doubling stops after 30", RetryPolicy{BaseDelay: 1, MaxDelay: forever}, 1000, 1 << 30},
		{"retry 31 doubles 30 times", RetryPolicy{BaseDelay: 1, MaxDelay: forever}, 31, 1 << 30},
		{"overflow to negative is the cap", RetryPolicy{BaseDelay: time.Hour, MaxDelay: forever}, 64, forever},
		// (2^34+1)·2^30 wraps round to 2^30 ns, about 1 s, under the cap.
		{"overflow to a small positive is the cap", RetryPolicy{BaseDelay: 1<<34 + 1, MaxDelay: time.Minute}, 31, time.Minute},
		{"largest base", RetryPolicy{BaseDelay: forever, MaxDelay: forever}, 2, forever},
	}
	for _, tt := range tests {
		if got := tt.policy.Ceiling(tt.n); got != tt.want {
			t.Errorf("%s: %+v.Ceiling(%d) = %v, want %v", tt.name, tt.policy, tt.n, got, tt.want)
		}
	}
}

// Backoff(n) draws from [0, Ceiling(n)], and does draw.
func TestRetryPolicyBackoff(t *testing.T) {
	t.Parallel()
	for _, p := range []RetryPolicy{{}, {BaseDelay: time.Millisecond, MaxDelay: 3 * time.Millisecond}, {BaseDelay: forever, MaxDelay: forever}} {
		for n := 1; n <= 8; n++ {
			ceiling, seen := p.Ceiling(n), map[time.Duration]bool{}
			for range 200 {
				d := p.Backoff(n)
				if d < 0 || d > ceiling {
					t.Fatalf("%+v.Backoff(%d) = %v, outside [0, %v]", p, n, d, ceiling)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("%+v.Backoff(%d) drew only %v in 200 tries: no jitter", p, n, seen)
			}
		}
	}
	if d := (RetryPolicy{BaseDelay: 1, MaxDelay: 1}).Backoff(1); d != 0 && d != 1 {
		t.Errorf("Backoff with a 1 ns ceiling = %v, want 0 or 1 ns", d)
	}
}

func TestRetryPolicyCapRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy RetryPolicy
		d      time.Duration
		want   time.Duration
	}{
		{RetryPolicy{}, 10 * time.Second, 10 * time.Second},
		{RetryPolicy{}, 30 * time.Second, 30 * time.Second},
		{RetryPolicy{}, time.Hour, 30 * time.Second},
		{RetryPolicy{}, forever, 30 * time.Second},
		{RetryPolicy{MaxRetryAfter: -1}, time.Hour, 30 * time.Second},
		{RetryPolicy{MaxRetryAfter: 5 * time.Millisecond}, time.Second, 5 * time.Millisecond},
		{RetryPolicy{MaxRetryAfter: time.Hour}, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		if got := tt.policy.CapRetryAfter(tt.d); got != tt.want {
			t.Errorf("%+v.CapRetryAfter(%v) = %v, want %v", tt.policy, tt.d, got, tt.want)
		}
	}
}
