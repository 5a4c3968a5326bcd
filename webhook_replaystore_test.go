package ghl

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: webhookTestNow}
	s := newMemoryReplayStore(clock.Now, 3)

	ok, err := s.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.False(t, ok, "already claimed")
	done, _ := s.Processed(ctx, "a")
	assert.False(t, done, "claimed is not processed")

	require.NoError(t, s.Release(ctx, "a"))
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.True(t, ok, "released claims can be taken again")

	require.NoError(t, s.MarkProcessed(ctx, "a", 10*time.Minute))
	done, _ = s.Processed(ctx, "a")
	assert.True(t, done)
	require.NoError(t, s.Release(ctx, "a"))
	done, _ = s.Processed(ctx, "a")
	assert.True(t, done, "Release never forgets a processed ID")
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.False(t, ok, "processed IDs cannot be claimed")

	// A claim expires, so a crashed handler does not block the event forever.
	ok, _ = s.Claim(ctx, "b", time.Minute)
	require.True(t, ok)
	clock.Add(time.Minute)
	ok, _ = s.Claim(ctx, "b", time.Minute)
	assert.True(t, ok, "expired claim")

	// Full of live IDs: fail closed rather than forget one early.
	ok, _ = s.Claim(ctx, "c", time.Minute)
	require.True(t, ok)
	_, err = s.Claim(ctx, "d", time.Minute)
	assert.ErrorIs(t, err, errReplayStoreFull)
	assert.ErrorIs(t, s.MarkProcessed(ctx, "d", time.Minute), errReplayStoreFull)
	assert.NoError(t, s.MarkProcessed(ctx, "c", time.Minute), "an ID already held needs no room")

	// Expiry makes room, also for IDs behind a longer-lived one.
	clock.Add(2 * time.Minute)
	ok, err = s.Claim(ctx, "d", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 2, s.len(), "a (processed, 10 min) and d")
	clock.Add(10 * time.Minute)
	done, _ = s.Processed(ctx, "a")
	assert.False(t, done, "processed IDs expire")
}

func TestMemoryReplayStoreMemoryStaysBounded(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: webhookTestNow}
	s := newMemoryReplayStore(clock.Now, 100)
	for i := 0; i < 20000; i++ {
		id := fmt.Sprint("id-", i)
		ok, err := s.Claim(ctx, id, time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, s.MarkProcessed(ctx, id, time.Second))
		clock.Add(100 * time.Millisecond)
	}
	assert.LessOrEqual(t, s.len(), 100)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Less(t, len(s.order)-s.head, 100, "the expiry queue is swept")
	assert.Less(t, cap(s.order), 5000, "and compacted")
}
