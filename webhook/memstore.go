package webhook

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// MemoryStore is an EventStore in this process's memory: it makes one
// replica handle each event once, concurrent deliveries of one event
// included, and remembers at most Max handled events (the oldest are
// forgotten first). Replicas do not see each other's: use
// webhook/redisstore for them.
//
// Build it with NewMemoryStore; it is safe for concurrent use.
type MemoryStore struct {
	max int
	now func() time.Time

	mu     sync.Mutex
	events map[string]*memEvent
	done   *list.List // handled event ids, oldest first
}

type memEvent struct {
	token   string        // holder of a live claim, or "" once handled
	expires time.Time     // of the claim, or of the done mark
	elem    *list.Element // in done, once handled
}

// NewMemoryStore returns a MemoryStore remembering up to max handled events
// (max ≤ 0 means DefaultDedupe).
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = DefaultDedupe
	}
	return &MemoryStore{max: max, now: time.Now, events: map[string]*memEvent{}, done: list.New()}
}

// Claim implements EventStore.
func (s *MemoryStore) Claim(_ context.Context, id string, lease time.Duration) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if e := s.events[id]; e != nil && now.Before(e.expires) {
		if e.token == "" {
			return Claim{State: Handled}, nil
		}
		return Claim{State: Busy}, nil
	} else if e != nil {
		s.forget(id, e)
	}
	tok := newToken()
	s.events[id] = &memEvent{token: tok, expires: now.Add(lease)}
	return Claim{State: Claimed, Token: tok}, nil
}

// Done implements EventStore.
func (s *MemoryStore) Done(_ context.Context, id, _ string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.events[id]; e != nil {
		s.forget(id, e)
	}
	s.events[id] = &memEvent{expires: s.now().Add(ttl), elem: s.done.PushBack(id)}
	for s.done.Len() > s.max {
		oldest := s.done.Front().Value.(string)
		s.forget(oldest, s.events[oldest])
	}
	return nil
}

// Renew implements Renewer.
func (s *MemoryStore) Renew(_ context.Context, id, token string, lease time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e := s.events[id]
	if e == nil || e.token == "" || e.token != token || !now.Before(e.expires) {
		return false, nil
	}
	e.expires = now.Add(lease)
	return true, nil
}

// Release implements EventStore.
func (s *MemoryStore) Release(_ context.Context, id, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.events[id]; e != nil && e.token != "" && e.token == token {
		s.forget(id, e)
	}
	return nil
}

func (s *MemoryStore) forget(id string, e *memEvent) {
	if e.elem != nil {
		s.done.Remove(e.elem)
	}
	delete(s.events, id)
}

// newToken returns a random claim token.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
