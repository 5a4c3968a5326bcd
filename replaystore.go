package ghl

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ReplayStore remembers webhook IDs so each delivery is handled once, across GHL's
// redeliveries and across replicas that share the store. Implementations must be safe for
// concurrent use; Claim must be atomic. An error from any method makes the Handler answer
// 429, so GHL delivers the event again later.
type ReplayStore interface {
	// Claim reserves id for handling for up to ttl. It returns false if id is already
	// claimed or handled.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// MarkProcessed records id as handled, remembering it for ttl.
	MarkProcessed(ctx context.Context, id string, ttl time.Duration) error
	// Release drops a claim whose handling failed, so a redelivery is handled again. It
	// never forgets an ID recorded as handled.
	Release(ctx context.Context, id string) error
	// Processed reports whether id was recorded as handled.
	Processed(ctx context.Context, id string) (bool, error)
}

// errReplayStoreFull: the in-memory replay store holds its maximum of live IDs.
var errReplayStoreFull = errors.New("ghl: webhook replay store is full")

// memoryReplayStore is the verifier's default ReplayStore, for one process. Its memory is
// bounded: IDs expire after their TTL, and when it holds its maximum of live IDs, new claims
// fail with errReplayStoreFull (the delivery is answered 429, so GHL delivers it again later)
// rather than forget an ID early. The maximum (100,000, about 10 MB) is far above the
// deliveries of one replay TTL; replicas share a store such as redisstore instead.
type memoryReplayStore struct {
	clock  func() time.Time
	maxIDs int

	mu      sync.Mutex
	entries map[string]replayEntry
	order   []replayOrder // insertion order, for expiry; may hold stale items
	head    int
}

type replayEntry struct {
	expires   time.Time
	processed bool
}

type replayOrder struct {
	id      string
	expires time.Time
}

func newMemoryReplayStore(clock func() time.Time, maxIDs int) *memoryReplayStore {
	return &memoryReplayStore{clock: clock, maxIDs: maxIDs, entries: map[string]replayEntry{}}
}

// Claim implements ReplayStore.
func (s *memoryReplayStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if e, ok := s.entries[id]; ok && now.Before(e.expires) {
		return false, nil
	}
	if err := s.roomLocked(now, id); err != nil {
		return false, err
	}
	s.putLocked(id, replayEntry{expires: now.Add(ttl)})
	return true, nil
}

// MarkProcessed implements ReplayStore.
func (s *memoryReplayStore) MarkProcessed(_ context.Context, id string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if err := s.roomLocked(now, id); err != nil {
		return err
	}
	s.putLocked(id, replayEntry{expires: now.Add(ttl), processed: true})
	return nil
}

// Release implements ReplayStore. It drops a claim, never a processed ID.
func (s *memoryReplayStore) Release(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok && !e.processed {
		delete(s.entries, id)
	}
	return nil
}

// Processed implements ReplayStore.
func (s *memoryReplayStore) Processed(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	return ok && e.processed && s.clock().Before(e.expires), nil
}

// len returns how many IDs the store holds, expired ones not yet swept included.
func (s *memoryReplayStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *memoryReplayStore) putLocked(id string, e replayEntry) {
	s.entries[id] = e
	s.order = append(s.order, replayOrder{id: id, expires: e.expires})
}

// roomLocked sweeps expired IDs and reports whether id may be added.
func (s *memoryReplayStore) roomLocked(now time.Time, id string) error {
	s.sweepLocked(now)
	if _, ok := s.entries[id]; ok || len(s.entries) < s.maxIDs {
		return nil
	}
	// The front of the order may be a long-lived ID with expired ones behind it.
	for k, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, k)
		}
	}
	if len(s.entries) < s.maxIDs {
		return nil
	}
	return errReplayStoreFull
}

// sweepLocked drops expired IDs from the front of the insertion order. Entries are nearly
// in expiry order (TTLs are few and similar); one that outlives its neighbours waits for
// them, and lookups check expiry themselves.
func (s *memoryReplayStore) sweepLocked(now time.Time) {
	for s.head < len(s.order) {
		o := s.order[s.head]
		if e, ok := s.entries[o.id]; ok && e.expires.Equal(o.expires) {
			if now.Before(e.expires) {
				break
			}
			delete(s.entries, o.id)
		}
		s.order[s.head] = replayOrder{}
		s.head++
	}
	// Compact when the consumed prefix dominates, so the slice does not grow without bound.
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0], s.order[s.head:]...)
		s.head = 0
	}
}
