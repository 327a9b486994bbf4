package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// tenantBudget is the TenantRate fault's limit and burst; on is false when
// it is off (a rate of 0, less, NaN or +Inf).
func tenantBudget(f Faults) (limit rate.Limit, burst int, on bool) {
	if !(f.TenantRate > 0) || math.IsInf(f.TenantRate, 1) {
		return 0, 0, false
	}
	burst = f.TenantBurst
	if burst <= 0 {
		burst = int(max(1, min(math.Ceil(f.TenantRate), math.MaxInt32)))
	}
	return rate.Limit(f.TenantRate), burst, true
}

// allowTenant draws one call from clientID's budget at now, creating the
// budget (full) on its first call; true when the call may go on, or when
// the fault is off or there is no client id to count against.
func (fs *faults) allowTenant(clientID string, now time.Time) (ok bool, limit rate.Limit, burst int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	limit, burst, on := tenantBudget(fs.f)
	if !on || clientID == "" {
		return true, limit, burst
	}
	fs.sweepTenantsLocked(now, burst)
	lim := fs.tenants[clientID]
	if lim == nil {
		lim = rate.NewLimiter(limit, burst)
		fs.tenants[clientID] = lim
	}
	return lim.AllowN(now, 1), limit, burst
}

// sweepTenantsLocked forgets, at most every sweepEvery, the budgets that
// are full again: one made afresh on the next call is the same. So the
// budgets kept follow the client ids seen in the last burst/rate seconds.
func (fs *faults) sweepTenantsLocked(now time.Time, burst int) {
	if now.Before(fs.sweepAt) {
		return
	}
	fs.sweepAt = now.Add(sweepEvery)
	for id, lim := range fs.tenants {
		if lim.TokensAt(now) >= float64(burst) {
			delete(fs.tenants, id)
		}
	}
}

// tenantRateLimited answers 429 when the call's client id is over its
// TenantRate budget, without a Retry-After (Upvest documents none). Only
// API calls are counted: the caller skips the token exchange.
func (s *Sandbox) tenantRateLimited(w http.ResponseWriter, r *http.Request) bool {
	id := r.Header.Get("Upvest-Client-Id")
	ok, limit, burst := s.faults.allowTenant(id, s.now())
	if ok {
		return false
	}
	s.problem(w, r, http.StatusTooManyRequests, "too_many_requests", fmt.Sprintf(
		"upvest-client-id %q is over its rate limit of %g requests/s, burst %d (the sandbox's tenant rate fault)", id, float64(limit), burst))
	return true
}
