package upvest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Polling bounds of WaitForAccountGroup when no WithPollDelay is given:
// the first wait, doubled after each read up to the cap.
const (
	DefaultMinPollDelay = 100 * time.Millisecond
	DefaultMaxPollDelay = 5 * time.Second
)

// WaitOption changes how WaitForAccountGroup waits, as aws-sdk-go-v2's
// waiters take theirs.
type WaitOption func(*waitOptions)

type waitOptions struct {
	minDelay, maxDelay time.Duration
	maxWait            time.Duration
	read               []CallOption
	err                error
}

// WithPollDelay sets the first wait between reads (min, default
// DefaultMinPollDelay), doubled after each read up to max (default
// DefaultMaxPollDelay). 0 < min ≤ max, else the wait fails with
// ErrInvalidArgument before anything is sent.
func WithPollDelay(min, max time.Duration) WaitOption {
	return func(o *waitOptions) {
		if min <= 0 || max < min {
			o.err = fmt.Errorf("%w: WithPollDelay needs 0 < min ≤ max, got %v and %v", ErrInvalidArgument, min, max)
		}
		o.minDelay, o.maxDelay = min, max
	}
}

// WithMaxWait bounds the whole wait, like a context deadline d from now
// (the wait then ends with a *WaitError wrapping
// context.DeadlineExceeded); zero or no option leaves the bound to the
// context alone.
func WithMaxWait(d time.Duration) WaitOption {
	return func(o *waitOptions) {
		if d < 0 {
			o.err = fmt.Errorf("%w: WithMaxWait needs a duration ≥ 0, got %v", ErrInvalidArgument, d)
		}
		o.maxWait = d
	}
}

// WithReadOptions gives each read of the group these per-call options
// (its attempt timeout, retry policy, response info).
func WithReadOptions(opts ...CallOption) WaitOption {
	return func(o *waitOptions) { o.read = append(o.read, opts...) }
}

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
// and returns it, polling with a doubling wait (WithPollDelay; 100 ms to 5 s
// by default). It stops early with a *WaitError matching
// ErrStatusUnreachable when the group reaches a status from which none of
// statuses can follow (LOCKED or CLOSED while waiting for ACTIVE, say); a
// status this module does not know (a newer API's) is waited for, and
// waited through, like any other. The context, and WithMaxWait, bound the
// whole wait (a *WaitError wrapping the context's error). Reads that fail
// are returned at once (inside a *WaitError), after the client's own
// retries; WithReadOptions sets each read's per-call options.
func (c *Client) WaitForAccountGroup(ctx context.Context, id uuid.UUID, statuses []AccountGroupStatus, opts ...WaitOption) (*AccountGroup, error) {
	o := waitOptions{minDelay: DefaultMinPollDelay, maxDelay: DefaultMaxPollDelay}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	if len(statuses) == 0 {
		return nil, fmt.Errorf("%w: WaitForAccountGroup needs at least one status", ErrInvalidArgument)
	}
	for _, s := range statuses {
		if s == "" {
			return nil, fmt.Errorf("%w: an awaited account group status is empty", ErrInvalidArgument)
		}
	}
	if err := checkID("account group id", id); err != nil {
		return nil, err
	}
	if o.maxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.maxWait)
		defer cancel()
	}
	// Only when every awaited status is one this module knows can it tell
	// that none can follow any more.
	known := !slices.ContainsFunc(statuses, func(s AccountGroupStatus) bool { _, ok := next[s]; return !ok })
	we := &WaitError{ID: id, Want: statuses}
	wait := o.minDelay
	for {
		g, err := c.GetAccountGroup(ctx, id, o.read...)
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
		if after, ok := next[g.Status]; known && ok && !slices.ContainsFunc(statuses, func(s AccountGroupStatus) bool { return slices.Contains(after, s) }) {
			we.Err = ErrStatusUnreachable
			return nil, we
		}
		if !c.d.sleep(ctx.Done(), wait) {
			we.Err = ctx.Err()
			return nil, we
		}
		wait = min(2*wait, o.maxDelay)
	}
}
