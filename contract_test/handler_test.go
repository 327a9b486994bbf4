package contracttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/sandbox"
)

// A lost answer (the sandbox drops the connection after a create): the
// Handler checks the request alone and lets the connection drop.
func TestHandlerLostAnswer(t *testing.T) {
	t.Parallel()
	s := newSetup(t, contracttest.Strict, "handler")
	s.alt.sb.SetFaults(sandbox.Faults{LostAnswers: 1})
	if _, err := s.client.CreateAccountGroup(context.Background(), s.user, upvest.TypePersonal); err == nil {
		t.Fatal("the answer was not lost")
	}
	// The client sees the connection close before the handler returns.
	var results []contracttest.Result
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if results = s.rec.Results(); len(results) == 2 {
			break
		}
	}
	var creates int
	for _, r := range results {
		if len(r.Findings) != 0 {
			t.Errorf("findings: %v", r.Findings)
		}
		if r.Operation == "createAccountGroup" {
			creates++
			if r.Status != 0 {
				t.Errorf("status %d for a lost answer", r.Status)
			}
		}
	}
	if creates == 0 {
		t.Error("the create was not checked")
	}
}
