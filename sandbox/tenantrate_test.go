package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/sandbox"
)

// tenantRig is a sandbox with the TenantRate fault on the fake clock, and a
// hand client holding an accounts:read token.
func tenantRig(t *testing.T, f sandbox.Faults) (*sandbox.Sandbox, *hand, func(time.Duration)) {
	t.Helper()
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, TokenTTL: time.Hour, Faults: f})
	hc := newHand(t, sb, false)
	hc.now = clk.Now
	hc.mustToken("accounts:read")
	return sb, hc, clk.Advance
}

// Calls within a client id's rate and burst pass; above them they are
// answered 429, and the budget refills at the rate. Burst 0 is one second's
// worth of the rate.
func TestTenantRate(t *testing.T) {
	t.Parallel()
	type step struct {
		wait  time.Duration // on the fake clock, before the calls
		calls int
		want  []int
	}
	for _, tc := range []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"no limit", 0, 0, []step{{0, 50, repeat(200, 50)}}},
		{"within the rate", 10, 1, []step{{0, 1, []int{200}}, {100 * time.Millisecond, 1, []int{200}}, {100 * time.Millisecond, 1, []int{200}}}},
		{"a burst above it", 2, 3, []step{{0, 5, []int{200, 200, 200, 429, 429}}, {500 * time.Millisecond, 2, []int{200, 429}}, {2 * time.Second, 4, []int{200, 200, 200, 429}}}},
		{"default burst: a second's worth", 4, 0, []step{{0, 5, []int{200, 200, 200, 200, 429}}}},
		{"default burst rounds up", 0.5, 0, []step{{0, 2, []int{200, 429}}, {time.Second, 1, []int{429}}, {time.Second, 1, []int{200}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, hc, advance := tenantRig(t, sandbox.Faults{TenantRate: tc.rate, TenantBurst: tc.burst})
			for i, s := range tc.steps {
				advance(s.wait)
				for j := range s.calls {
					if a := hc.do("GET", "/account_groups", nil, nil); a.status != s.want[j] {
						t.Fatalf("step %d, call %d: %s, want %d", i, j, a, s.want[j])
					}
				}
			}
		})
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Above the rate: a problem+json like the sandbox's other refusals, naming
// the client id and the budget, and no Retry-After (Upvest documents none).
func TestTenantRateAnswer(t *testing.T) {
	t.Parallel()
	_, hc, _ := tenantRig(t, sandbox.Faults{TenantRate: 1, TenantBurst: 1, RetryAfter: 7})
	if a := hc.do("GET", "/account_groups", nil, nil); a.status != 200 {
		t.Fatalf("first call: %s", a)
	}
	a := hc.do("GET", "/account_groups", nil, nil)
	var p struct {
		Type, Title, Detail string
		Status              int
		RequestID           string `json:"request_id"`
	}
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	switch {
	case a.status != http.StatusTooManyRequests || p.Status != 429:
		t.Fatalf("status %s", a)
	case a.header.Get("Content-Type") != "application/problem+json":
		t.Errorf("content-type %q", a.header.Get("Content-Type"))
	case a.header.Get("Retry-After") != "":
		t.Errorf("Retry-After %q: Upvest documents none", a.header.Get("Retry-After"))
	case p.Type != "too_many_requests" || p.Title != "Too Many Requests":
		t.Errorf("type %q, title %q", p.Type, p.Title)
	case p.RequestID == "" || p.RequestID != a.header.Get("Upvest-Request-Id"):
		t.Errorf("request_id %q, header %q", p.RequestID, a.header.Get("Upvest-Request-Id"))
	case !strings.Contains(p.Detail, hc.clientID) || !strings.Contains(p.Detail, "1 requests/s") || !strings.Contains(p.Detail, "burst 1"):
		t.Errorf("detail %q does not name the client id and its budget", p.Detail)
	}
}

// Each client id has its own budget: one over its rate leaves another's
// whole. The budget is drawn before the call is admitted, so a client id
// the sandbox does not know is refused 401 within its budget and 429 above.
func TestTenantRateSeparateBudgets(t *testing.T) {
	t.Parallel()
	sb, hc, _ := tenantRig(t, sandbox.Faults{TenantRate: 1, TenantBurst: 2})
	other := newHand(t, sb, false)
	other.clientID, other.token = "another-tenant", hc.token
	for i, c := range []struct {
		who  *hand
		want int
	}{
		{hc, 200}, {hc, 200}, {hc, 429},
		{other, 401}, {other, 401}, {other, 429},
		{hc, 429},
	} {
		if a := c.who.do("GET", "/account_groups", nil, nil); a.status != c.want {
			t.Fatalf("call %d as %s: %s, want %d", i, c.who.clientID, a, c.want)
		}
	}
}

// Token requests draw nothing from the budget (the client's limiter draws
// no permit for them either), and are answered while it is spent.
func TestTenantRateSkipsTokenRequests(t *testing.T) {
	t.Parallel()
	_, hc, _ := tenantRig(t, sandbox.Faults{TenantRate: 1, TenantBurst: 1})
	for range 5 {
		hc.mustToken("accounts:read")
	}
	if a := hc.do("GET", "/account_groups", nil, nil); a.status != 200 {
		t.Fatalf("first call after 6 tokens: %s", a)
	}
	if a := hc.do("GET", "/account_groups", nil, nil); a.status != 429 {
		t.Fatalf("second call: %s", a)
	}
	hc.mustToken("accounts:read")
}

// A budget left alone until it is full again is forgotten: client ids
// sent by anyone do not pile up.
func TestTenantRateForgetsFullBudgets(t *testing.T) {
	t.Parallel()
	sb, hc, advance := tenantRig(t, sandbox.Faults{TenantRate: 10, TenantBurst: 5})
	for i := range 100 {
		hc.clientID = fmt.Sprintf("tenant-%d", i)
		hc.do("GET", "/account_groups", nil, nil)
	}
	if n := sandbox.TenantBudgets(sb); n != 100 {
		t.Fatalf("%d budgets kept, want 100", n)
	}
	advance(time.Minute)
	hc.do("GET", "/account_groups", nil, nil)
	if n := sandbox.TenantBudgets(sb); n != 1 {
		t.Fatalf("%d budgets kept a minute later, want 1", n)
	}
}
