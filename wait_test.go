package upvest_test

import (
	"github.com/google/uuid"

	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// TestWaitForAccountGroup: the waiter polls until the group reaches one of
// the statuses, stops early when it reaches a final state it was not
// waiting for, and gives up with the context.
func TestWaitForAccountGroup(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{ApprovalDelay: 150 * time.Millisecond, ClosingDelay: 100 * time.Millisecond})
	ctx := context.Background()
	user := sb.NewUser()
	g, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal)
	if err != nil || g.Status != upvest.StatusPendingApproval {
		t.Fatalf("%v %v", g, err)
	}
	got, err := c.WaitForAccountGroup(ctx, g.ID, upvest.StatusActive)
	if err != nil || got.Status != upvest.StatusActive {
		t.Fatalf("wait for ACTIVE: %v %v", got, err)
	}
	if err := c.CloseAccountGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	got, err = c.WaitForAccountGroup(ctx, g.ID, upvest.StatusClosed)
	if err != nil || got.Status != upvest.StatusClosed {
		t.Fatalf("wait for CLOSED: %v %v", got, err)
	}

	// Locked while waiting for ACTIVE: stops early, typed.
	c2, sb2 := newSandbox(t, sandbox.Config{ApprovalDelay: -1})
	g2, _ := c2.CreateAccountGroup(ctx, sb2.NewUser(), upvest.TypePersonal)
	time.AfterFunc(50*time.Millisecond, func() { sb2.Lock(g2.ID) })
	failsafe, stop := context.WithTimeout(ctx, 20*time.Second) // never reached when it stops early
	defer stop()
	_, err = c2.WaitForAccountGroup(failsafe, g2.ID, upvest.StatusActive)
	var we *upvest.WaitError
	if !errors.Is(err, upvest.ErrStatusUnreachable) || !errors.As(err, &we) || we.Status != upvest.StatusLocked {
		t.Fatalf("err = %v, want a *WaitError (ErrStatusUnreachable) seeing LOCKED", err)
	}
	// Already in a final state: at once.
	if _, err := c2.WaitForAccountGroup(ctx, g2.ID, upvest.StatusActive, upvest.StatusClosing); !errors.Is(err, upvest.ErrStatusUnreachable) {
		t.Fatalf("err = %v", err)
	}

	// Never activated: the context ends the wait, typed, with the last
	// status. It is cancelled once the waiter has read the group twice,
	// whatever the machine's speed (a deadline could end it before the
	// first read on a loaded machine).
	g3, _ := c2.CreateAccountGroup(ctx, sb2.NewUser(), upvest.TypePersonal)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var reads atomic.Int32
	cfg := configFor(sb2)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, g3.ID.String()) && reads.Add(1) == 2 {
			cancel()
		}
		return resp, err
	})}
	c3, err := upvest.New(cfg, fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c3.WaitForAccountGroup(wctx, g3.ID, upvest.StatusActive)
	if !errors.Is(err, context.Canceled) || !errors.As(err, &we) || we.Status != upvest.StatusPendingApproval {
		t.Fatalf("err = %v, want a *WaitError with the context's error and PENDING_APPROVAL", err)
	}

	// Misuse.
	if _, err := c2.WaitForAccountGroup(ctx, g3.ID); !errors.Is(err, upvest.ErrInvalidArgument) {
		t.Fatalf("no status: %v", err)
	}
	if _, err := c2.WaitForAccountGroup(ctx, uuid.Nil, upvest.StatusActive); !errors.Is(err, upvest.ErrInvalidArgument) {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := c2.WaitForAccountGroup(ctx, g3.ID, enumOf[upvest.AccountGroupStatus]("SLEEPING")); !errors.Is(err, upvest.ErrInvalidArgument) {
		t.Fatalf("unknown status: %v", err)
	}
}
