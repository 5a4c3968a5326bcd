package redisstore

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headers is what a response with GHL's rate-limit headers reports to the limiter.
func headers(max, remaining int, interval time.Duration) ghl.Observation {
	return ghl.Observation{
		Received:   time.Now(),
		StatusCode: http.StatusOK,
		RateLimit:  ghl.RateLimit{Max: max, Remaining: remaining, Interval: interval, Present: true},
	}
}

// blocked reports whether Wait is still waiting after d (it then gives up, reserving nothing).
func blocked(t *testing.T, l *Limiter, key string, d time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := l.Wait(ctx, key)
	if err == nil {
		return false
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
	return true
}

// limits is the default config with another window and lease.
func limits(max int, interval, lease time.Duration) LimiterConfig {
	c := DefaultLimiterConfig()
	c.Max, c.Interval, c.Lease = max, interval, lease
	return c
}

func mustWait(t *testing.T, l *Limiter, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, l.Wait(ctx, key))
}

func TestLimiterProbesThenUsesTheWindowFromHeaders(t *testing.T) {
	srv := startRedis(t)
	// A long window, so that slots never free up during the test.
	st := newStore(t, srv, WithLimiterConfig(limits(100, time.Hour, time.Hour)))
	l := st.Limiter()

	// Until a response has told the window, one request at a time.
	mustWait(t, l, "loc")
	assert.True(t, blocked(t, l, "loc", 50*time.Millisecond))
	l.Observe("loc", headers(3, 2, time.Hour))

	// The server said 3 per hour and one is used: two more, then none.
	mustWait(t, l, "loc")
	mustWait(t, l, "loc")
	assert.True(t, blocked(t, l, "loc", 50*time.Millisecond))

	// Locations have separate budgets.
	mustWait(t, l, "other")

	// Nobody waits any more: the poller that was waiting out the hour-long window is gone.
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.queues) == 0
	}, 5*time.Second, 5*time.Millisecond)
}

func TestLimiterSharesTheBudgetAcrossStores(t *testing.T) {
	srv := startRedis(t)
	cfg := WithLimiterConfig(limits(4, time.Hour, time.Hour))
	a, err := New(srv.Client(t), WithPrefix("shared:"), cfg)
	require.NoError(t, err)
	b, err := New(srv.Client(t), WithPrefix("shared:"), cfg)
	require.NoError(t, err)
	la, lb := a.Limiter(), b.Limiter()

	mustWait(t, la, "loc")
	la.Observe("loc", headers(4, 3, time.Hour))
	mustWait(t, lb, "loc")
	mustWait(t, la, "loc")
	mustWait(t, lb, "loc")
	assert.True(t, blocked(t, la, "loc", 50*time.Millisecond))
	assert.True(t, blocked(t, lb, "loc", 50*time.Millisecond))

	// Another prefix is another budget.
	c, err := New(srv.Client(t), WithPrefix("other:"), cfg)
	require.NoError(t, err)
	mustWait(t, c.Limiter(), "loc")
}

func TestLimiterFreesSlotsAWindowAfterReceipt(t *testing.T) {
	srv := startRedis(t)
	// Scaled down: 2 requests per 200 ms.
	const window = 200 * time.Millisecond
	st := newStore(t, srv, WithLimiterConfig(limits(2, window, time.Hour)))
	l := st.Limiter()

	mustWait(t, l, "loc")
	l.Observe("loc", headers(2, 1, window))
	mustWait(t, l, "loc")
	mustWait(t, l, "loc")
	// Both requests are in flight: however long that takes, the window stays full.
	assert.True(t, blocked(t, l, "loc", 2*window))
	l.Observe("loc", headers(2, 1, window))
	l.Observe("loc", headers(2, 0, window))
	// Both slots free up one window after their responses arrived: Wait returns by itself.
	mustWait(t, l, "loc")
	mustWait(t, l, "loc")
}

func TestLimiterNotSentGivesTheSlotBack(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv, WithLimiterConfig(limits(2, time.Hour, time.Hour)))
	l := st.Limiter()
	mustWait(t, l, "loc")
	l.Observe("loc", headers(2, 1, time.Hour))
	mustWait(t, l, "loc")
	l.Observe("loc", ghl.Observation{Received: time.Now(), NotSent: true, Err: errors.New("no token")})
	mustWait(t, l, "loc")
	assert.True(t, blocked(t, l, "loc", 50*time.Millisecond))
}

func TestLimiterCountsRequestsItDidNotSee(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv, WithLimiterConfig(limits(10, time.Hour, time.Hour)))
	l := st.Limiter()
	mustWait(t, l, "loc")
	// GHL says 2 remain while the log holds 1 of 10: 7 were sent by someone else (or Redis
	// lost its data). Only 2 more may go.
	l.Observe("loc", headers(10, 2, time.Hour))
	mustWait(t, l, "loc")
	mustWait(t, l, "loc")
	assert.True(t, blocked(t, l, "loc", 50*time.Millisecond))
}

func TestLimiterLeaseOfACrashedProcessEnds(t *testing.T) {
	srv := startRedis(t)
	cfg := WithLimiterConfig(limits(1, 50*time.Millisecond, 100*time.Millisecond))
	a, err := New(srv.Client(t), WithPrefix("shared:"), cfg)
	require.NoError(t, err)
	b, err := New(srv.Client(t), WithPrefix("shared:"), cfg)
	require.NoError(t, err)
	la, lb := a.Limiter(), b.Limiter()
	mustWait(t, la, "loc")
	la.Observe("loc", headers(1, 0, 50*time.Millisecond))
	mustWait(t, la, "loc")
	// la's process dies with the request in flight; lb gets the slot after lease + window.
	assert.True(t, blocked(t, lb, "loc", 20*time.Millisecond))
	mustWait(t, lb, "loc")
}

func TestLimiterRetryAfterPausesTheLocation(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv, WithLimiterConfig(limits(100, time.Hour, time.Hour)))
	l := st.Limiter()
	mustWait(t, l, "loc")
	obs := headers(100, 99, time.Hour)
	obs.StatusCode = http.StatusTooManyRequests
	obs.RetryAfter = 300 * time.Millisecond
	l.Observe("loc", obs)
	assert.True(t, blocked(t, l, "loc", 50*time.Millisecond))
	mustWait(t, l, "loc")
}

func TestLimiterFailsFastWhenTheDailyBudgetIsSpent(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	l := st.Limiter()
	mustWait(t, l, "loc")
	obs := headers(100, 99, 10*time.Second)
	obs.RateLimit.DailyLimit, obs.RateLimit.DailyRemaining = 200000, 1
	l.Observe("loc", obs)

	// One left today: it goes, the next fails without waiting.
	mustWait(t, l, "loc")
	err := l.Wait(context.Background(), "loc")
	var rle *ghl.RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.True(t, errors.Is(err, ghl.ErrRateLimited))
	assert.Equal(t, 200000, rle.RateLimit.DailyLimit)
	assert.Greater(t, rle.RetryAfter, time.Duration(0))
	assert.LessOrEqual(t, rle.RetryAfter, 24*time.Hour)

	// The response to the last request confirms: still spent, for every process.
	obs.RateLimit.DailyRemaining = 0
	l.Observe("loc", obs)
	other, err := New(srv.Client(t), WithPrefix(st.prefix))
	require.NoError(t, err)
	require.ErrorAs(t, other.Limiter().Wait(context.Background(), "loc"), &rle)
	// Other locations are not affected.
	mustWait(t, l, "loc-2")
}

func TestLimiterFailsClearlyWithoutRedis(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	l := st.Limiter()
	mustWait(t, l, "loc")
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Observe cannot report, but must return.
	l.Observe("loc", headers(100, 99, 10*time.Second))
	err := l.Wait(ctx, "loc")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: reserving a request in the rate limit of "loc": `), err.Error())
	require.NoError(t, ctx.Err(), "Wait must fail at once, not wait for the context")
}

func TestLimiterCountsTheDailyBudgetBeforeTheServerReportsIt(t *testing.T) {
	srv := startRedis(t)
	cfg := limits(100, time.Hour, time.Hour)
	cfg.DailyLimit = 2
	st := newStore(t, srv, WithLimiterConfig(cfg))
	l := st.Limiter()
	mustWait(t, l, "loc")
	// A response without rate-limit headers teaches nothing but that the server answers.
	l.Observe("loc", ghl.Observation{Received: time.Now(), StatusCode: http.StatusOK})
	mustWait(t, l, "loc")
	var rle *ghl.RateLimitError
	require.ErrorAs(t, l.Wait(context.Background(), "loc"), &rle)
	assert.True(t, rle.Daily)
	assert.Equal(t, 2, rle.RateLimit.DailyLimit)
	// A request that was never sent gives its unit back.
	l.Observe("loc", ghl.Observation{Received: time.Now(), NotSent: true})
	mustWait(t, l, "loc")
}

func TestLimiterFailsFastOnAPauseLongerThanMaxPause(t *testing.T) {
	srv := startRedis(t)
	cfg := limits(100, time.Hour, time.Hour)
	cfg.MaxPause = time.Second
	st := newStore(t, srv, WithLimiterConfig(cfg))
	l := st.Limiter()
	mustWait(t, l, "loc")
	obs := headers(100, 0, time.Hour)
	obs.StatusCode = http.StatusTooManyRequests
	obs.RetryAfter = time.Minute
	l.Observe("loc", obs)
	err := l.Wait(context.Background(), "loc")
	var rle *ghl.RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.False(t, rle.Daily)
	assert.Greater(t, rle.RetryAfter, 50*time.Second)
	assert.LessOrEqual(t, rle.RetryAfter, time.Minute)
	assert.Equal(t, 100, rle.RateLimit.Max)
}

func TestLimiterWaitReturnsTheContextError(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	l := st.Limiter()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, l.Wait(ctx, "loc"), context.Canceled)
	// Nothing was reserved: the probe request may go.
	mustWait(t, l, "loc")
}

func TestLimiterAdmitsExactlyTheFreeSlotsToConcurrentWaiters(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv, WithLimiterConfig(limits(100, time.Hour, time.Hour)))
	l := st.Limiter()
	mustWait(t, l, "loc")
	l.Observe("loc", headers(5, 4, time.Hour))

	var wg sync.WaitGroup
	var admitted atomic.Int32
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := l.Wait(ctx, "loc"); err == nil {
				admitted.Add(1)
			} else {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(4), admitted.Load())
	// Exactly the admitted requests are in flight: the waiters that gave up hold nothing.
	inflight, err := srv.Client(t).ZCard(context.Background(), st.limitKeys("loc")[1]).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(4), inflight)
}

// assertAllExpire checks that every key under the store's prefix expires on its own.
func assertAllExpire(t *testing.T, srv *redisServer, st *Store) {
	t.Helper()
	rdb := srv.Client(t)
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, st.prefix+"*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		ms, err := rdb.Do(ctx, "PTTL", k).Int64()
		require.NoError(t, err)
		assert.Positive(t, ms, "%s has no TTL", k)
	}
}

// A process that dies with requests in flight leaves nothing behind for good: the leases it
// held become receipts in the log, and the log still expires.
func TestLimiterKeysExpireAfterACrashedProcess(t *testing.T) {
	srv := startRedis(t)
	const window, lease = 50 * time.Millisecond, 100 * time.Millisecond
	st := newStore(t, srv, WithLimiterConfig(limits(1, window, lease)))
	crashed := st.Limiter()
	mustWait(t, crashed, "loc") // never reported: the process died
	time.Sleep(lease + 20*time.Millisecond)
	// Another process's Wait turns the expired lease into a receipt; it dies too.
	mustWait(t, st.Limiter(), "loc")
	n, err := srv.Client(t).Exists(context.Background(), st.limitKeys("loc")[0]).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the log holds the crashed request's receipt")
	assertAllExpire(t, srv, st)

	// And after a normal exchange of reports.
	l := st.Limiter()
	mustWait(t, l, "other")
	l.Observe("other", headers(1, 0, window))
	assertAllExpire(t, srv, st)
}
