package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/sandbox"
)

// The sandbox's timers run on the clock of a synctest bubble: the sandbox
// is served in process (no network), so hours of lifecycle delays and
// latency pass at once.

// A group stays PENDING_APPROVAL for ApprovalDelay and CLOSING for
// ClosingDelay, then moves on by itself.
func TestLifecycleDelays(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sb := newSandbox(t, sandbox.Config{ApprovalDelay: time.Hour, ClosingDelay: 10 * time.Minute})
		hc := newHand(t, sb, true)
		hc.mustToken("accounts:admin")
		a := hc.create(sb.NewUser(), uuid.NewString())
		var g struct {
			ID     uuid.UUID `json:"id"`
			Status string    `json:"status"`
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &g) != nil {
			t.Fatalf("create: %s", a)
		}
		status := func() string {
			t.Helper()
			hc.mustToken("accounts:admin") // the last one has expired by now
			a := hc.do(http.MethodGet, "/account_groups/"+g.ID.String(), nil, nil)
			if err := json.Unmarshal(a.body, &g); a.status != http.StatusOK || err != nil {
				t.Fatalf("get: %s", a)
			}
			return g.Status
		}
		for _, step := range []struct {
			wait time.Duration
			want string
		}{
			{time.Hour - time.Second, "PENDING_APPROVAL"},
			{time.Second, "ACTIVE"},
		} {
			time.Sleep(step.wait)
			synctest.Wait()
			if got := status(); got != step.want {
				t.Fatalf("after %s more: %s, want %s", step.wait, got, step.want)
			}
		}
		if a := hc.do(http.MethodDelete, "/account_groups/"+g.ID.String(), nil, nil); a.status != http.StatusAccepted {
			t.Fatalf("close: %s", a)
		}
		for _, step := range []struct {
			wait time.Duration
			want string
		}{
			{10*time.Minute - time.Second, "CLOSING"},
			{time.Second, "CLOSED"},
		} {
			time.Sleep(step.wait)
			synctest.Wait()
			if got := status(); got != step.want {
				t.Fatalf("closing, after %s more: %s, want %s", step.wait, got, step.want)
			}
		}
	})
}

// Latency delays the answer by the configured time, even past the
// signature's validity: the signature is judged as the request arrived.
func TestSandboxLatency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sb := newSandbox(t, sandbox.Config{})
		hc := newHand(t, sb, true)
		hc.mustToken("accounts:read")
		sb.SetFaults(sandbox.Faults{Latency: time.Hour})
		start := time.Now()
		if a := hc.do(http.MethodGet, "/account_groups", nil, nil); a.status != http.StatusOK {
			t.Fatalf("%s", a)
		}
		if d := time.Since(start); d != time.Hour {
			t.Fatalf("answered after %s, want the latency, 1h", d)
		}
	})
}
