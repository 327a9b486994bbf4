package sandbox

// CacheSizes reports how many nonces, tokens and idempotency entries s
// remembers, for the tests that show they stay bounded.
func CacheSizes(s *Sandbox) (nonces, tokens, idempotency int) {
	s.auth.mu.Lock()
	nonces, tokens = len(s.auth.nonces), len(s.auth.tokens)
	s.auth.mu.Unlock()
	idempotency, _ = s.store.sizes()
	return nonces, tokens, idempotency
}

// PendingTimers reports how many lifecycle timers s keeps.
func PendingTimers(s *Sandbox) int {
	_, timers := s.store.sizes()
	return timers
}

// Connections reports how many connections Start's server holds now and
// the most it held at once.
func Connections(s *Sandbox) (open, peak int) {
	return int(s.ln.open.Load()), int(s.ln.peak.Load())
}

// TenantBudgets reports how many client ids' rate budgets s keeps.
func TenantBudgets(s *Sandbox) int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return len(s.faults.tenants)
}
