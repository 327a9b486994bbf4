package contracttest_test

import (
	"context"
	"sync"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

// One Validator under many concurrent calls (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newSetup(t, contracttest.Strict, "roundtripper")
	id := s.group(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if _, err := s.client.GetAccountGroup(context.Background(), id); err != nil {
					t.Error(err)
				}
				if _, err := s.client.ListAccountGroups(context.Background(), nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if fs := s.rec.Findings(); len(fs) != 0 {
		t.Errorf("findings: %v", fs)
	}
	if n := len(s.rec.Results()); n < 80 {
		t.Errorf("%d exchanges checked", n)
	}
}
