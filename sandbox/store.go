package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
)

// store holds users, account groups, the answers kept for idempotency keys
// and the timers that move groups along their lifecycle. It owns its lock;
// every method takes it, and none calls out while holding it.
type store struct {
	now func() time.Time

	mu      sync.Mutex
	users   map[uuid.UUID]bool
	groups  map[uuid.UUID]*gen.AccountGroup
	order   []uuid.UUID // creation order
	next    int         // securities account numbers
	idem    map[string]idemRecord
	sweepAt time.Time // when idem is next swept
	timers  map[uint64]*time.Timer
	timerID uint64
	closed  bool
}

// idemRecord is the first answer to an idempotency key.
type idemRecord struct {
	bodyHash [32]byte
	answer   []byte
	expires  time.Time
}

func newStore(now func() time.Time) *store {
	return &store{
		now:    now,
		users:  map[uuid.UUID]bool{},
		groups: map[uuid.UUID]*gen.AccountGroup{},
		next:   100000000,
		idem:   map[string]idemRecord{},
		timers: map[uint64]*time.Timer{},
	}
}

func (st *store) addUser(u uuid.UUID) {
	st.mu.Lock()
	st.users[u] = true
	st.mu.Unlock()
}

// all returns a copy of every group, in creation order.
func (st *store) all() []gen.AccountGroup {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]gen.AccountGroup, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, copyGroup(st.groups[id]))
	}
	return out
}

func copyGroup(g *gen.AccountGroup) gen.AccountGroup {
	c := *g
	c.Users = append([]gen.AccountGroupUser(nil), g.Users...)
	return c
}

// createOutcome is what createOnce did.
type createOutcome int

const (
	created     createOutcome = iota // a new group; answer is its JSON
	replayed                         // the key's first answer, replayed
	keyReused                        // the key was used with another body
	unknownUser                      // no such user; nothing kept
)

// createOnce creates a group for user unless key (already scoped to the
// client) was used in the last IdempotencyRetention: then it replays that
// first answer when hash (of the request body) matches, or reports the
// reuse. Lookup and creation are one lock span, so two racing attempts with
// one key create one group.
func (st *store) createOnce(key string, hash [32]byte, user uuid.UUID, typ gen.AccountGroupType) (answer []byte, g gen.AccountGroup, out createOutcome) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	if rec, seen := st.idem[key]; seen && now.Before(rec.expires) {
		if rec.bodyHash != hash {
			return nil, g, keyReused
		}
		return rec.answer, g, replayed
	}
	if !st.users[user] {
		return nil, g, unknownUser
	}
	st.next++
	owner := gen.UserRelationTypeOwner
	at := now.UTC()
	grp := &gen.AccountGroup{
		ID: uuid.New(), CreatedAt: at, UpdatedAt: at,
		Users:                   []gen.AccountGroupUser{{ID: user, Type: owner}},
		Status:                  gen.AccountGroupStatusPendingApproval,
		Type:                    typ,
		SecuritiesAccountNumber: fmt.Sprintf("%09d", st.next),
	}
	st.groups[grp.ID] = grp
	st.order = append(st.order, grp.ID)
	answer, _ = json.Marshal(grp)
	st.idem[key] = idemRecord{bodyHash: hash, answer: answer, expires: now.Add(IdempotencyRetention)}
	return answer, copyGroup(grp), created
}

// sweepLocked drops expired idempotency entries, at most every sweepEvery.
func (st *store) sweepLocked(now time.Time) {
	if now.Before(st.sweepAt) {
		return
	}
	st.sweepAt = now.Add(sweepEvery)
	for k, rec := range st.idem {
		if !now.Before(rec.expires) {
			delete(st.idem, k)
		}
	}
}

// get returns a copy of a group.
func (st *store) get(id uuid.UUID) (gen.AccountGroup, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.groups[id]
	if !ok {
		return gen.AccountGroup{}, false
	}
	return copyGroup(g), true
}

// transition moves group id from status from (from any status but CLOSED
// and to itself when from is empty) to status to. It returns the group
// after the move, or as it is when it did not move, and whether it exists.
func (st *store) transition(id uuid.UUID, from, to gen.AccountGroupStatus) (g gen.AccountGroup, moved, found bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	grp, ok := st.groups[id]
	if !ok {
		return gen.AccountGroup{}, false, false
	}
	if (from != "" && grp.Status != from) || (from == "" && (grp.Status == gen.AccountGroupStatusClosed || grp.Status == to)) {
		return copyGroup(grp), false, true
	}
	grp.Status = to
	grp.UpdatedAt = st.now().UTC()
	return copyGroup(grp), true, true
}

// list returns a page of the groups (of one user when user is set) and the
// total count; ok is false for an unknown user.
func (st *store) list(user *uuid.UUID, offset, limit int, desc bool) (page []gen.AccountGroup, total int, ok bool) {
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
	slices.SortStableFunc(all, func(a, b *gen.AccountGroup) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if desc {
		slices.Reverse(all)
	}
	page = []gen.AccountGroup{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		page = append(page, copyGroup(all[i]))
	}
	return page, len(all), true
}

func owns(g *gen.AccountGroup, user uuid.UUID) bool {
	for _, u := range g.Users {
		if u.ID == user {
			return true
		}
	}
	return false
}

// after runs f after d (at once for zero, never for negative), unless the
// store stopped first. A timer is forgotten once it has fired.
func (st *store) after(d time.Duration, f func()) {
	if d < 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.timerID++
	id := st.timerID
	// The callback takes the lock, so it cannot run before the timer is
	// recorded.
	st.timers[id] = time.AfterFunc(d, func() {
		st.mu.Lock()
		delete(st.timers, id)
		closed := st.closed
		st.mu.Unlock()
		if !closed {
			f()
		}
	})
}

// stop stops every pending timer; later ones are not started.
func (st *store) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	for id, t := range st.timers {
		t.Stop()
		delete(st.timers, id)
	}
}

// sizes reports how many idempotency entries and pending timers are kept.
func (st *store) sizes() (idem, timers int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.idem), len(st.timers)
}
