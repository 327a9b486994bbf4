package upvest_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// 100 creates while ~30 % of calls get 429/503 before any effect and 30 %
// of create answers are lost after the commit: every create succeeds and
// exactly 100 groups exist.
func TestCreatesUnderFaults(t *testing.T) {
	t.Parallel()
	c, sb := startSandbox(t, sandbox.Config{}, sandbox.P521,
		upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 12, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	user := sb.NewUser()
	// 0.15 + 0.85·0.1765 = 30 % of calls refused before any effect.
	sb.SetFaults(sandbox.Faults{Seed: 2026, RateLimited: 0.15, ServerErrors: 0.1765, ServerErrorStatuses: []int{503}, LostAnswers: 0.3})
	ids := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			ids[g.ID.String()] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ids) != 100 || len(sb.AccountGroups()) != 100 {
		t.Fatalf("%d distinct groups returned, %d exist; want 100 and 100", len(ids), len(sb.AccountGroups()))
	}
}

// 64 goroutines share one client, mixed operations, while tokens are revoked
// and expire mid-run. Ed25519 keeps the signing cheap enough under -race
// that no request waits longer than a token lives.
func TestSharedClientUnderConcurrency(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("long test (a 3.5 s soak spanning a token refresh): make test-long runs it")
	}
	c, sb := startSandbox(t, sandbox.Config{TokenTTL: 3 * time.Second}, sandbox.Ed25519, fastRetries)
	users := []uuid.UUID{sb.NewUser(), sb.NewUser(), sb.NewUser()}
	ctx := context.Background()
	var wg sync.WaitGroup
	var failures atomic.Int32
	stop := time.Now().Add(3500 * time.Millisecond) // spans a token refresh
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := users[g%len(users)]
			for i := 0; time.Now().Before(stop) || i < 3; i++ {
				var err error
				switch i % 4 {
				case 0:
					var ag *upvest.AccountGroup
					if ag, err = c.CreateAccountGroup(ctx, user, upvest.TypePersonal); err == nil {
						_, err = c.GetAccountGroup(ctx, ag.ID)
					}
				case 1:
					_, err = c.ListUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 5})
				case 2:
					_, err = c.ListAccountGroups(ctx, &upvest.ListParams{Limit: 3, Order: upvest.Descending})
				case 3:
					page, lerr := c.ListUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 1})
					if err = lerr; err == nil && len(page.Data) > 0 {
						if cerr := c.CloseAccountGroup(ctx, page.Data[0].ID); cerr != nil && !errors.Is(cerr, upvest.ErrConflict) {
							err = cerr
						}
					}
				}
				if err != nil {
					failures.Add(1)
					t.Error(err)
					return
				}
			}
		}()
	}
	// Revoked mid-run: once a first round of calls got through, whatever
	// the machine's speed.
	waitFor(t, "64 groups created", func() bool { return len(sb.AccountGroups()) >= 64 })
	sb.RevokeTokens() // every cached token now gets 401: each is refreshed once
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d goroutines failed", failures.Load())
	}
}
