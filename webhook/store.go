package webhook

import (
	"context"
	"errors"
	"time"
)

// EventStore records which events have been handled, so that each event's
// callback succeeds once even when Upvest delivers it again, to this
// replica or to another one sharing the store. It has claim semantics:
//
//  1. Claim takes the event for a lease (Claimed), or finds it handled
//     (Handled) or held by another live lease (Busy);
//  2. the holder runs the callback, its context bounded by the lease, and
//     renews the claim (when the store is also a Renewer) until step 3;
//  3. Done marks the event handled for a TTL, or Release frees the claim
//     so a retry can take it at once.
//
// A store that cannot answer returns an error: the Handler then fails the
// delivery (503) rather than risk handling an event twice or acknowledging
// one unhandled. Implementations must be safe for concurrent use; MemoryStore
// serves one process, package webhook/redisstore serves replicas (both are
// Renewers too).
type EventStore interface {
	// Claim tries to take eventID for lease. Token identifies a Claimed
	// claim for Done and Release.
	Claim(ctx context.Context, eventID string, lease time.Duration) (Claim, error)
	// Done marks eventID handled for ttl, whoever holds its claim now (a
	// lease that ran out does not undo a callback that succeeded).
	Done(ctx context.Context, eventID, token string, ttl time.Duration) error
	// Release frees eventID if token still holds it; otherwise it does
	// nothing.
	Release(ctx context.Context, eventID, token string) error
}

// Renewer is an EventStore that can renew a claim. The Handler renews its
// claim on an event under its token every quarter of the lease while the
// callback runs and while the done mark waits to be written, so that a
// store outage shorter than the lease less that quarter does not let
// another replica claim an event already handled (see Handler). A store
// without it still works: its claims last one lease from the claim. Renew
// is called from a timer's goroutine, concurrently with the store's other
// methods.
type Renewer interface {
	// Renew extends eventID's claim to lease from now if token still
	// holds it, and reports whether it does (false: the claim ran out, was
	// released or was taken; the event may be handled elsewhere).
	Renew(ctx context.Context, eventID, token string, lease time.Duration) (bool, error)
}

// ClaimState is what EventStore.Claim found.
type ClaimState int

// The states of a claim.
const (
	// Claimed: the caller holds the event for the lease and handles it.
	Claimed ClaimState = iota + 1
	// Handled: the event was handled already (here or elsewhere): skip it.
	Handled
	// Busy: another holder's lease is live: the event is being handled
	// elsewhere, with an outcome not yet known.
	Busy
)

// String names the state.
func (s ClaimState) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case Handled:
		return "handled"
	case Busy:
		return "busy"
	}
	return "unknown"
}

// Claim is the result of EventStore.Claim.
type Claim struct {
	State ClaimState
	// Token identifies the holder of a Claimed event; empty otherwise.
	Token string
}

// Defaults of the Handler's event store use.
const (
	// DefaultLease bounds a callback: its context ends when the lease does,
	// and another replica may claim the event after it.
	DefaultLease = 30 * time.Second
	// DefaultDoneTTL is how long a handled event is remembered. Upvest
	// retries a failing delivery for days; a week covers its back-off.
	DefaultDoneTTL = 7 * 24 * time.Hour
	// DefaultBusyWait is how long a delivery waits for an event another
	// replica is handling before it is answered 503 so Upvest retries.
	DefaultBusyWait = 2 * time.Second
	// DefaultDedupe is the number of handled events the default in-memory
	// store remembers.
	DefaultDedupe = 10000
)

// ErrStore wraps a failure of the event store: the delivery is answered
// 503 (fail closed) so Upvest retries it.
var ErrStore = errors.New("webhook: event store unavailable")

// ErrBusy reports an event another replica was still handling when the
// delivery's wait ran out: the delivery is answered 503 so Upvest retries.
var ErrBusy = errors.New("webhook: event is being handled elsewhere")
