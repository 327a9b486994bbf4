package sandbox

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
)

// store holds users and account groups. Its methods lock mu.
type store struct {
	mu     sync.Mutex
	users  map[uuid.UUID]bool
	groups map[uuid.UUID]*gen.AccountGroup
	order  []uuid.UUID // creation order
	next   int         // securities account numbers
	timers []*time.Timer
	closed bool
}

func (st *store) init() {
	st.users = map[uuid.UUID]bool{}
	st.groups = map[uuid.UUID]*gen.AccountGroup{}
	st.next = 100000000
}

// AddUser registers a user id so that groups can be created for it; an
// unknown user gets 404, as on Upvest.
func (s *Sandbox) AddUser(id string) error {
	u, err := uuid.Parse(id)
	if err != nil {
		return fmt.Errorf("sandbox: user id %q is not a UUID", id)
	}
	s.store.mu.Lock()
	s.store.users[u] = true
	s.store.mu.Unlock()
	return nil
}

// NewUser registers a new random user and returns its id.
func (s *Sandbox) NewUser() string {
	id := uuid.New()
	s.store.mu.Lock()
	s.store.users[id] = true
	s.store.mu.Unlock()
	return id.String()
}

// AccountGroups returns a copy of every account group, in creation order.
func (s *Sandbox) AccountGroups() []gen.AccountGroup {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	out := make([]gen.AccountGroup, 0, len(s.store.order))
	for _, id := range s.store.order {
		out = append(out, copyGroup(s.store.groups[id]))
	}
	return out
}

func copyGroup(g *gen.AccountGroup) gen.AccountGroup {
	c := *g
	c.Users = append([]gen.AccountGroupUser(nil), g.Users...)
	return c
}

// Activate moves a PENDING_APPROVAL group to ACTIVE (and sends
// ACCOUNT_GROUP.ACTIVATED). It reports whether the group was pending.
func (s *Sandbox) Activate(id string) bool {
	return s.transition(id, gen.AccountGroupStatusPENDINGAPPROVAL, gen.AccountGroupStatusACTIVE, "ACCOUNT_GROUP.ACTIVATED")
}

// FinishClosing moves a CLOSING group to CLOSED (ACCOUNT_GROUP.CLOSED).
func (s *Sandbox) FinishClosing(id string) bool {
	return s.transition(id, gen.AccountGroupStatusCLOSING, gen.AccountGroupStatusCLOSED, "ACCOUNT_GROUP.CLOSED")
}

// Lock moves any group that is not closed to LOCKED (ACCOUNT_GROUP.LOCKED).
func (s *Sandbox) Lock(id string) bool {
	return s.transition(id, "", gen.AccountGroupStatusLOCKED, "ACCOUNT_GROUP.LOCKED")
}

func (s *Sandbox) transition(id string, from, to gen.AccountGroupStatus, event string) bool {
	u, err := uuid.Parse(id)
	if err != nil {
		return false
	}
	st := &s.store
	st.mu.Lock()
	g, ok := st.groups[u]
	if !ok || (from != "" && g.Status != from) || (from == "" && (g.Status == gen.AccountGroupStatusCLOSED || g.Status == to)) {
		st.mu.Unlock()
		return false
	}
	g.Status = to
	g.UpdatedAt = s.cfg.Now().UTC()
	snapshot := copyGroup(g)
	st.mu.Unlock()
	s.hooks.emit(event, snapshot, s.cfg.Now())
	return true
}

// after runs f after d (at once for zero, never for negative), unless the
// sandbox closed.
func (s *Sandbox) after(d time.Duration, f func()) {
	if d < 0 {
		return
	}
	st := &s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.timers = append(st.timers, time.AfterFunc(d, f))
}

func (st *store) stopTimers() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	for _, t := range st.timers {
		t.Stop()
	}
}

// create adds a group; it reports false when the user is unknown.
func (s *Sandbox) create(user uuid.UUID, typ gen.AccountGroupType) (gen.AccountGroup, bool) {
	st := &s.store
	now := s.cfg.Now().UTC()
	st.mu.Lock()
	if !st.users[user] {
		st.mu.Unlock()
		return gen.AccountGroup{}, false
	}
	st.next++
	owner := gen.UserRelationTypeOWNER
	u := user
	g := &gen.AccountGroup{
		Id: uuid.New(), CreatedAt: now, UpdatedAt: now,
		Users:                   []gen.AccountGroupUser{{Id: &u, Type: &owner}},
		Status:                  gen.AccountGroupStatusPENDINGAPPROVAL,
		Type:                    typ,
		SecuritiesAccountNumber: fmt.Sprintf("%09d", st.next),
	}
	st.groups[g.Id] = g
	st.order = append(st.order, g.Id)
	snapshot := copyGroup(g)
	st.mu.Unlock()
	s.hooks.emit("ACCOUNT_GROUP.CREATED", snapshot, now)
	id := g.Id.String()
	s.after(s.cfg.ApprovalDelay, func() { s.Activate(id) })
	return snapshot, true
}

// get returns a group.
func (s *Sandbox) get(id uuid.UUID) (gen.AccountGroup, bool) {
	st := &s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.groups[id]
	if !ok {
		return gen.AccountGroup{}, false
	}
	return copyGroup(g), true
}

// closeGroup starts closure: ACTIVE → CLOSING. It returns the status that
// prevented it, if any, and whether the group exists.
func (s *Sandbox) closeGroup(id uuid.UUID) (blocked gen.AccountGroupStatus, found bool) {
	st := &s.store
	st.mu.Lock()
	g, ok := st.groups[id]
	if !ok {
		st.mu.Unlock()
		return "", false
	}
	if g.Status != gen.AccountGroupStatusACTIVE {
		status := g.Status
		st.mu.Unlock()
		return status, true
	}
	g.Status = gen.AccountGroupStatusCLOSING
	g.UpdatedAt = s.cfg.Now().UTC()
	snapshot := copyGroup(g)
	st.mu.Unlock()
	s.hooks.emit("ACCOUNT_GROUP.CLOSING_INITIATED", snapshot, s.cfg.Now())
	sid := id.String()
	s.after(s.cfg.ClosingDelay, func() { s.FinishClosing(sid) })
	return "", true
}

// list returns a page of the groups (of one user when user is set) and the
// total count; ok is false for an unknown user.
func (s *Sandbox) list(user *uuid.UUID, offset, limit int, desc bool) (page []gen.AccountGroup, total int, ok bool) {
	st := &s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	if user != nil && !st.users[*user] {
		return nil, 0, false
	}
	var all []*gen.AccountGroup
	for _, id := range st.order {
		g := st.groups[id]
		if user == nil || owns(g, *user) {
			all = append(all, g)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	if desc {
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
	}
	page = []gen.AccountGroup{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		page = append(page, copyGroup(all[i]))
	}
	return page, len(all), true
}

func owns(g *gen.AccountGroup, user uuid.UUID) bool {
	for _, u := range g.Users {
		if u.Id != nil && *u.Id == user {
			return true
		}
	}
	return false
}
