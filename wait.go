package upvest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrStatusUnreachable is matched by a *WaitError for a group that reached
// a state from which none of the awaited statuses can follow.
var ErrStatusUnreachable = errors.New("upvest: account group cannot reach the awaited status")

// WaitError ends a WaitForAccountGroup that did not see an awaited status:
// the group reached a state from which none can follow (Err is
// ErrStatusUnreachable), the context ended (Err is its error), or reading
// the group failed (Err is that error).
type WaitError struct {
	// ID is the account group's id.
	ID uuid.UUID
	// Want lists the awaited statuses.
	Want []AccountGroupStatus
	// Status is the last status seen; the zero value when none was read.
	Status AccountGroupStatus
	// Err says why the wait ended.
	Err error
}

// Error implements the error interface.
func (e *WaitError) Error() string {
	want := make([]string, len(e.Want))
	for i, s := range e.Want {
		want[i] = s.String()
	}
	last := e.Status.String()
	if last == "" {
		last = "unknown"
	}
	return fmt.Sprintf("upvest: waiting for account group %s to be %s (last seen %s): %v", e.ID, strings.Join(want, " or "), last, e.Err)
}

// Unwrap returns Err.
func (e *WaitError) Unwrap() error { return e.Err }

// Polling bounds of WaitForAccountGroup: the first wait, doubled after each
// read up to the cap.
const (
	waitFirstPoll = 100 * time.Millisecond
	waitMaxPoll   = 5 * time.Second
)

// next lists, for each status, the statuses that can follow it later.
// LOCKED and CLOSED are final as far as a client can tell.
var next = map[AccountGroupStatus][]AccountGroupStatus{
	StatusPendingApproval: {StatusActive, StatusClosing, StatusClosed, StatusLocked},
	StatusActive:          {StatusClosing, StatusClosed, StatusLocked},
	StatusClosing:         {StatusClosed},
	StatusClosed:          nil,
	StatusLocked:          nil,
}

// WaitForAccountGroup reads the group until its status is one of statuses
// and returns it, polling with a doubling wait (100 ms to 5 s). It stops
// early with a *WaitError matching ErrStatusUnreachable when the group
// reaches a status from which none of statuses can follow (LOCKED or
// CLOSED while waiting for ACTIVE, say); the context bounds the whole wait
// (a *WaitError wrapping its error). Reads that fail are returned at once
// (inside a *WaitError), after the client's own retries.
func (c *Client) WaitForAccountGroup(ctx context.Context, id uuid.UUID, statuses ...AccountGroupStatus) (*AccountGroup, error) {
	if len(statuses) == 0 {
		return nil, fmt.Errorf("%w: WaitForAccountGroup needs at least one status", ErrInvalidArgument)
	}
	for _, s := range statuses {
		if _, known := next[s]; !known {
			return nil, fmt.Errorf("%w: unknown account group status %q", ErrInvalidArgument, s)
		}
	}
	if err := checkID("account group id", id); err != nil {
		return nil, err
	}
	we := &WaitError{ID: id, Want: statuses}
	wait := waitFirstPoll
	for {
		g, err := c.GetAccountGroup(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			we.Err = err
			return nil, we
		}
		we.Status = g.Status
		if slices.Contains(statuses, g.Status) {
			return g, nil
		}
		if after, known := next[g.Status]; known && !slices.ContainsFunc(statuses, func(s AccountGroupStatus) bool { return slices.Contains(after, s) }) {
			we.Err = ErrStatusUnreachable
			return nil, we
		}
		if !c.d.sleep(ctx.Done(), wait) {
			we.Err = ctx.Err()
			return nil, we
		}
		wait = min(2*wait, waitMaxPoll)
	}
}
