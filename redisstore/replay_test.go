package redisstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplayClaimProcessRelease(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	ctx := context.Background()

	ok, err := st.Claim(ctx, "wh-1", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = st.Claim(ctx, "wh-1", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "a second claim must fail while the first holds")
	done, err := st.Processed(ctx, "wh-1")
	require.NoError(t, err)
	assert.False(t, done, "claimed is not processed")

	// A failed handler releases its claim: the redelivery can claim again.
	require.NoError(t, st.Release(ctx, "wh-1"))
	ok, err = st.Claim(ctx, "wh-1", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)

	require.NoError(t, st.MarkProcessed(ctx, "wh-1", time.Hour))
	done, err = st.Processed(ctx, "wh-1")
	require.NoError(t, err)
	assert.True(t, done)
	ttl, err := srv.Client(t).PTTL(ctx, st.webhookKey("wh-1")).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute, "processed marks keep the long TTL")

	// Release never erases a processed mark, and a processed ID cannot be claimed.
	require.NoError(t, st.Release(ctx, "wh-1"))
	done, err = st.Processed(ctx, "wh-1")
	require.NoError(t, err)
	assert.True(t, done)
	ok, err = st.Claim(ctx, "wh-1", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok)

	done, err = st.Processed(ctx, "never-seen")
	require.NoError(t, err)
	assert.False(t, done)
}

func TestReplayClaimExpires(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	ctx := context.Background()
	ok, err := st.Claim(ctx, "wh", 30*time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok)
	require.Eventually(t, func() bool {
		ok, err := st.Claim(ctx, "wh", time.Minute)
		return err == nil && ok
	}, 5*time.Second, 10*time.Millisecond, "a claim whose processor died must expire")
}

func TestReplayClaimIsAtomicAcrossStores(t *testing.T) {
	srv := startRedis(t)
	prefix := WithPrefix("shared:")
	a, err := New(srv.Client(t), prefix)
	require.NoError(t, err)
	b, err := New(srv.Client(t), prefix)
	require.NoError(t, err)
	ctx := context.Background()

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.Claim(ctx, "wh-race", time.Minute)
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
}

func TestReplayRejectsBadTTLAndFailsClearlyWithoutRedis(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	ctx := context.Background()
	_, err := st.Claim(ctx, "wh", 0)
	require.EqualError(t, err, "redisstore: claiming webhook: ttl 0s is shorter than a millisecond")
	err = st.MarkProcessed(ctx, "wh", -time.Second)
	require.EqualError(t, err, "redisstore: marking webhook processed: ttl -1s is shorter than a millisecond")

	srv.Stop()
	_, err = st.Claim(ctx, "wh", time.Minute)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: claiming webhook "wh": `), err.Error())
	err = st.MarkProcessed(ctx, "wh", time.Minute)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: marking webhook "wh" processed: `), err.Error())
	err = st.Release(ctx, "wh")
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: releasing webhook "wh": `), err.Error())
	_, err = st.Processed(ctx, "wh")
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: checking webhook "wh": `), err.Error())
}
