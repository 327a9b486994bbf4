package sandbox

import (
	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
)

// The Sandbox's account groups over its store: the users it knows, and the
// lifecycle moves of a group with the webhook event each sends.

// AddUser registers a user id so that groups can be created for it; an
// unknown user gets 404, as on Upvest.
// Safe for concurrent use.
func (s *Sandbox) AddUser(id uuid.UUID) { s.store.addUser(id) }

// NewUser registers a new random user and returns its id.
func (s *Sandbox) NewUser() uuid.UUID {
	id := uuid.New()
	s.store.addUser(id)
	return id
}

// AccountGroups returns a copy of every account group, in creation order.
func (s *Sandbox) AccountGroups() []gen.AccountGroup { return s.store.all() }

// Activate moves a PENDING_APPROVAL group to ACTIVE (and sends
// ACCOUNT_GROUP.ACTIVATED). It reports whether the group was pending.
func (s *Sandbox) Activate(id uuid.UUID) bool {
	return s.transition(id, gen.AccountGroupStatusPendingApproval, gen.AccountGroupStatusActive, gen.AccountGroupEventTypeActivated)
}

// FinishClosing moves a CLOSING group to CLOSED (ACCOUNT_GROUP.CLOSED).
func (s *Sandbox) FinishClosing(id uuid.UUID) bool {
	return s.transition(id, gen.AccountGroupStatusClosing, gen.AccountGroupStatusClosed, gen.AccountGroupEventTypeClosed)
}

// Lock moves any group that is not closed to LOCKED (ACCOUNT_GROUP.LOCKED).
func (s *Sandbox) Lock(id uuid.UUID) bool {
	return s.transition(id, "", gen.AccountGroupStatusLocked, gen.AccountGroupEventTypeLocked)
}

func (s *Sandbox) transition(id uuid.UUID, from, to gen.AccountGroupStatus, event gen.AccountGroupEventType) bool {
	g, moved, _ := s.store.transition(id, from, to)
	if moved {
		s.hooks.emit(event, g, g.UpdatedAt)
	}
	return moved
}

// create creates a group (or replays the key's first answer; see
// store.createOnce), sends ACCOUNT_GROUP.CREATED and schedules approval.
func (s *Sandbox) create(key string, hash [32]byte, user uuid.UUID, typ gen.AccountGroupType) ([]byte, createOutcome) {
	answer, g, out := s.store.createOnce(key, hash, user, typ)
	if out == created {
		s.hooks.emit(gen.AccountGroupEventTypeCreated, g, g.CreatedAt)
		s.store.after(s.cfg.ApprovalDelay, func() { s.Activate(g.ID) })
	}
	return answer, out
}

// startClosing starts closure: ACTIVE → CLOSING (ACCOUNT_GROUP.CLOSING_INITIATED),
// then CLOSED after ClosingDelay. It returns the status that prevented it,
// if any, and whether the group exists.
func (s *Sandbox) startClosing(id uuid.UUID) (blocked gen.AccountGroupStatus, found bool) {
	g, moved, found := s.store.transition(id, gen.AccountGroupStatusActive, gen.AccountGroupStatusClosing)
	switch {
	case !found:
		return blocked, false
	case !moved:
		return g.Status, true
	}
	s.hooks.emit(gen.AccountGroupEventTypeClosingInitiated, g, g.UpdatedAt)
	s.store.after(s.cfg.ClosingDelay, func() { s.FinishClosing(id) })
	return blocked, true
}
