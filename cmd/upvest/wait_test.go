package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
)

// TestAccountGroupsWait: `account-groups wait ID --status S` prints the
// group once it has the status; a group that can no longer reach it, or a
// timeout, is exit 1 with one line; no --status is a usage error.
func TestAccountGroupsWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code, out, errOut := w.run(t, "account-groups", "create", "--user-id", w.user, "--type", "PERSONAL")
	var g upvest.AccountGroup
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil {
		t.Fatalf("create: %d %s", code, errOut)
	}
	id := g.ID.String()
	code, out, errOut = w.run(t, "account-groups", "wait", id, "--status", "active")
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil || g.Status != upvest.StatusActive {
		t.Fatalf("wait ACTIVE: %d %q %q", code, out, errOut)
	}
	code, _, errOut = w.run(t, "account-groups", "wait", id, "--status", "CLOSED", "--timeout", "300ms")
	if code != 1 || !strings.Contains(errOut, "deadline") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("wait with timeout: %d %q", code, errOut)
	}
	w.sb.Lock(uuid.MustParse(id))
	code, _, errOut = w.run(t, "account-groups", "wait", id, "--status", "ACTIVE", "--status", "CLOSING")
	if code != 1 || !strings.Contains(errOut, "cannot reach") || !strings.Contains(errOut, "LOCKED") {
		t.Fatalf("wait on a locked group: %d %q", code, errOut)
	}
	for _, args := range [][]string{{"account-groups", "wait", id}, {"account-groups", "wait", id, "--status", "SLEEPING"}, {"account-groups", "wait", "--status", "ACTIVE"}} {
		if code, _, _ := w.run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
