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
	// MarkProcessed records id as handled, remembering it for at least ttl: the verifier
	// passes a ttl longer than a copy of the delivery can pass its timestamp check (86
	// minutes with the default tolerance), so an ID forgotten early lets a replay through.
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
// rather than forget an ID early. An ID costs about 135 bytes; the maximum (500,000, about
// 65 MB) is reached by some 95 deliveries a second, each kept for the default 86 minutes.
// Busier receivers, and replicas, share a store such as redisstore instead.
type memoryReplayStore struct {
	clock  func() time.Time
	maxIDs int

	mu      sync.Mutex
	entries map[string]replayEntry
	// order lists handled IDs in the order they were recorded, for expiry; it may hold stale
	// items. Claims are not in it: the Handler releases or records every claim it takes, and
	// a claim left behind expires when the store is full and looks for room.
	order []replayOrder
	head  int
}

type replayEntry struct {
	expires   int64 // Unix nanoseconds
	processed bool
}

type replayOrder struct {
	id      string
	expires int64
}

func newMemoryReplayStore(clock func() time.Time, maxIDs int) *memoryReplayStore {
	return &memoryReplayStore{clock: clock, maxIDs: maxIDs, entries: map[string]replayEntry{}}
}

// Claim implements ReplayStore.
func (s *memoryReplayStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock().UnixNano()
	if e, ok := s.entries[id]; ok && now < e.expires {
		return false, nil
	}
	if err := s.roomLocked(now, id); err != nil {
		return false, err
	}
	s.entries[id] = replayEntry{expires: now + int64(ttl)}
	return true, nil
}

// MarkProcessed implements ReplayStore.
func (s *memoryReplayStore) MarkProcessed(_ context.Context, id string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock().UnixNano()
	if err := s.roomLocked(now, id); err != nil {
		return err
	}
	e := replayEntry{expires: now + int64(ttl), processed: true}
	s.entries[id] = e
	s.order = append(s.order, replayOrder{id: id, expires: e.expires})
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
	return ok && e.processed && s.clock().UnixNano() < e.expires, nil
}

// len returns how many IDs the store holds, expired ones not yet swept included.
func (s *memoryReplayStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// roomLocked sweeps expired IDs and reports whether id may be added.
func (s *memoryReplayStore) roomLocked(now int64, id string) error {
	s.sweepLocked(now)
	if _, ok := s.entries[id]; ok || len(s.entries) < s.maxIDs {
		return nil
	}
	// Expired claims, and IDs behind a longer-lived one at the front of the order, are
	// only found by a full pass; it runs only when the store is full.
	for k, e := range s.entries {
		if now >= e.expires {
			delete(s.entries, k)
		}
	}
	if len(s.entries) < s.maxIDs {
		return nil
	}
	return errReplayStoreFull
}

// sweepLocked drops expired IDs from the front of the order. Handled IDs are recorded with
// one TTL, so the order is their expiry order; one that outlives its neighbours waits for
// them, and lookups check expiry themselves.
func (s *memoryReplayStore) sweepLocked(now int64) {
	for s.head < len(s.order) {
		o := s.order[s.head]
		if e, ok := s.entries[o.id]; ok && e.expires == o.expires {
			if now < e.expires {
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
