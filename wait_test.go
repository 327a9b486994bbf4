package upvest_test

import (
	"github.com/google/uuid"

	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/sandbox"
)

// TestWaitForAccountGroup: the waiter polls until the group reaches one of
// the statuses, stops early when it reaches a final state it was not
// waiting for, and gives up with the context.
func TestWaitForAccountGroup(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{ApprovalDelay: 150 * time.Millisecond, ClosingDelay: 100 * time.Millisecond})
	ctx := context.Background()
	active := []upvest.AccountGroupStatus{upvest.StatusActive}
	user := sb.NewUser()
	g, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal)
	if err != nil || g.Status != upvest.StatusPendingApproval {
		t.Fatalf("%v %v", g, err)
	}
	got, err := c.WaitForAccountGroup(ctx, g.ID, active)
	if err != nil || got.Status != upvest.StatusActive {
		t.Fatalf("wait for ACTIVE: %v %v", got, err)
	}
	if err := c.CloseAccountGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	got, err = c.WaitForAccountGroup(ctx, g.ID, []upvest.AccountGroupStatus{upvest.StatusClosed})
	if err != nil || got.Status != upvest.StatusClosed {
		t.Fatalf("wait for CLOSED: %v %v", got, err)
	}

	// Locked while waiting for ACTIVE: stops early, typed.
	c2, sb2 := newSandbox(t, sandbox.Config{ApprovalDelay: -1})
	g2, _ := c2.CreateAccountGroup(ctx, sb2.NewUser(), upvest.TypePersonal)
	time.AfterFunc(50*time.Millisecond, func() { sb2.Lock(g2.ID) })
	failsafe, stop := context.WithTimeout(ctx, 20*time.Second) // never reached when it stops early
	defer stop()
	_, err = c2.WaitForAccountGroup(failsafe, g2.ID, active)
	var we *upvest.WaitError
	if !errors.Is(err, upvest.ErrStatusUnreachable) || !errors.As(err, &we) || we.Status != upvest.StatusLocked {
		t.Fatalf("err = %v, want a *WaitError (ErrStatusUnreachable) seeing LOCKED", err)
	}
	// Already in a final state: at once.
	if _, err := c2.WaitForAccountGroup(ctx, g2.ID, []upvest.AccountGroupStatus{upvest.StatusActive, upvest.StatusClosing}); !errors.Is(err, upvest.ErrStatusUnreachable) {
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
	_, err = c3.WaitForAccountGroup(wctx, g3.ID, active)
	if !errors.Is(err, context.Canceled) || !errors.As(err, &we) || we.Status != upvest.StatusPendingApproval {
		t.Fatalf("err = %v, want a *WaitError with the context's error and PENDING_APPROVAL", err)
	}

	// Misuse.
	if _, err := c2.WaitForAccountGroup(ctx, g3.ID, nil); !errors.Is(err, upvest.ErrInvalidArgument) {
		t.Fatalf("no status: %v", err)
	}
	if _, err := c2.WaitForAccountGroup(ctx, uuid.Nil, active); !errors.Is(err, upvest.ErrInvalidArgument) {
		t.Fatalf("bad id: %v", err)
	}
	for _, opt := range []upvest.WaitOption{upvest.WithPollDelay(0, time.Second), upvest.WithPollDelay(time.Second, time.Millisecond), upvest.WithMaxWait(-1)} {
		if _, err := c2.WaitForAccountGroup(ctx, g3.ID, active, opt); !errors.Is(err, upvest.ErrInvalidArgument) {
			t.Fatalf("bad option: %v", err)
		}
	}
}

// TestWaitOptions: the poll delays double from the minimum up to the
// maximum; WithMaxWait ends the wait; a status a newer API adds is waited
// for like any other (never "unreachable"); each read takes the read
// options.
func TestWaitOptions(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{ApprovalDelay: -1}, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	clock := fakeclock.New()
	active := []upvest.AccountGroupStatus{upvest.StatusActive}
	var reads atomic.Int32
	var stop atomic.Pointer[stopper]
	cfg := configFor(sb)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n := int32(-1)
		if r.Method == http.MethodGet {
			n = reads.Add(1)
		}
		if n == 6 {
			sb.Activate(uuid.MustParse(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]))
		}
		resp, err := http.DefaultTransport.RoundTrip(r)
		if s := stop.Load(); s != nil && n == s.at {
			s.cancel()
		}
		return resp, err
	})}
	c, err := upvest.New(cfg, fastRetries, upvest.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g, err := c.CreateAccountGroup(ctx, sb.NewUser(), upvest.TypePersonal)
	if err != nil {
		t.Fatal(err)
	}
	var info upvest.ResponseInfo
	got, err := c.WaitForAccountGroup(ctx, g.ID, active,
		upvest.WithPollDelay(time.Second, 4*time.Second), upvest.WithReadOptions(upvest.WithResponseInfo(&info)))
	if err != nil || got.Status != upvest.StatusActive {
		t.Fatalf("%v %v", got, err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if waits := clock.Waits(); !slices.Equal(waits, want) {
		t.Fatalf("poll waits %v, want %v", waits, want)
	}
	if info.StatusCode != 200 || info.Attempts != 1 {
		t.Fatalf("the read options did not reach the reads: %+v", info)
	}
	// A status this module does not know: waited for, not refused and not
	// "unreachable", until the context ends it (here after three more
	// reads, whatever the machine's speed).
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAt := reads.Load() + 3
	stop.Store(&stopper{at: stopAt, cancel: cancel})
	_, err = c.WaitForAccountGroup(wctx, g.ID, []upvest.AccountGroupStatus{upvest.AccountGroupStatus("NOT_IN_THE_DOCUMENT")})
	var we *upvest.WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.Canceled) || we.Status != upvest.StatusActive {
		t.Fatalf("err = %v, want a *WaitError ended by the context, last seen ACTIVE", err)
	}
	// WithMaxWait bounds the whole wait.
	_, err = c.WaitForAccountGroup(ctx, g.ID, []upvest.AccountGroupStatus{upvest.StatusClosed}, upvest.WithMaxWait(time.Nanosecond))
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *WaitError ended by the maximum wait", err)
	}
}

// stopper cancels a wait once the reads reach at.
type stopper struct {
	at     int32
	cancel context.CancelFunc
}
