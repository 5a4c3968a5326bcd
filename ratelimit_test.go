package ghl

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func ghlHeaders(maxN, remaining int, window time.Duration, daily, dailyLeft int) RateLimit {
	return RateLimit{Max: maxN, Remaining: remaining, Interval: window, DailyLimit: daily, DailyRemaining: dailyLeft, Present: true}
}

func newBudget(limit int, window time.Duration) *windowBudget {
	return &windowBudget{limit: limit, window: window}
}

// admitted asserts that Admit lets a request go at now.
func admitted(t *testing.T, b *windowBudget, now time.Time) {
	t.Helper()
	ok, wait, err := b.admit(now)
	require.NoError(t, err)
	require.True(t, ok, "refused at %v (retry in %v, used %d)", now.Sub(t0), wait, b.used(now))
}

// refused asserts that Admit refuses at now and returns when to retry.
func refused(t *testing.T, b *windowBudget, now time.Time) time.Duration {
	t.Helper()
	ok, wait, err := b.admit(now)
	require.NoError(t, err)
	require.False(t, ok, "admitted at %v", now.Sub(t0))
	return wait
}

func TestWindowBudgetProbesThenAdmitsLimitPerWindow(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	admitted(t, b, at(0))
	// Until a response says what the limit is, one request at a time.
	assert.Equal(t, time.Duration(0), refused(t, b, at(1)))
	b.observe(Observation{Received: at(10), StatusCode: 200, RateLimit: ghlHeaders(3, 2, time.Second, 1000, 999)}, at(10))
	assert.Equal(t, 3, b.limit)
	assert.Equal(t, time.Second, b.window)
	admitted(t, b, at(20))
	admitted(t, b, at(20))
	// Full: the oldest slot frees one window after its response was received.
	assert.Equal(t, 990*time.Millisecond, refused(t, b, at(20)))
	assert.Equal(t, 1*time.Millisecond, refused(t, b, at(1009)))
	admitted(t, b, at(1010))
}

func TestWindowBudgetStampsAtReceiptNotSend(t *testing.T) {
	b := newBudget(2, time.Second)
	b.learned = true
	admitted(t, b, at(0))
	admitted(t, b, at(0))
	// Both in flight: only a response can start the clock.
	assert.Equal(t, time.Duration(0), refused(t, b, at(500)))
	b.observe(Observation{Received: at(700), StatusCode: 200}, at(700))
	b.observe(Observation{Received: at(600), StatusCode: 200}, at(700)) // out of order
	assert.Equal(t, 2, b.used(at(1599)))
	assert.Equal(t, time.Millisecond, refused(t, b, at(1599)))
	admitted(t, b, at(1600)) // the 600 stamp expired, not the 0 send time
	assert.Equal(t, 100*time.Millisecond, refused(t, b, at(1600)))
}

func TestWindowBudgetNotSentFreesSlot(t *testing.T) {
	b := newBudget(1, time.Second)
	b.dailyLimit = 5
	admitted(t, b, at(0))
	left, known := b.dailyRemaining(at(0))
	require.True(t, known)
	assert.Equal(t, 4, left)
	b.observe(Observation{Received: at(1), NotSent: true, Err: errors.New("no token")}, at(1))
	assert.Equal(t, 0, b.used(at(1)))
	left, _ = b.dailyRemaining(at(1))
	assert.Equal(t, 5, left)
	admitted(t, b, at(2))
}

func TestWindowBudgetRemainingCorrectsForOtherClients(t *testing.T) {
	b := newBudget(10, time.Second)
	admitted(t, b, at(0))
	// The server counted 8 of 10: 7 were sent by someone else.
	b.observe(Observation{Received: at(5), StatusCode: 200, RateLimit: ghlHeaders(10, 2, time.Second, 0, 0)}, at(5))
	assert.Equal(t, 8, b.used(at(5)))
	admitted(t, b, at(6))
	admitted(t, b, at(6))
	assert.Equal(t, 999*time.Millisecond, refused(t, b, at(6)))
	// A server that counted fewer than the log holds changes nothing.
	b.observe(Observation{Received: at(7), StatusCode: 200, RateLimit: ghlHeaders(10, 9, time.Second, 0, 0)}, at(7))
	assert.Equal(t, 10, b.used(at(7)))
}

func TestWindowBudgetCorrectionCountsFromSendTime(t *testing.T) {
	b := newBudget(2, time.Second)
	b.learned = true
	admitted(t, b, at(0))
	b.observe(Observation{Sent: at(0), Received: at(100), StatusCode: 200, RateLimit: ghlHeaders(2, 1, time.Second, 0, 0)}, at(100))
	admitted(t, b, at(1050))
	// The server counted both (the first arrived within a window of this one's arrival). By
	// receipt time the first stamp has expired locally, but not by send time: no one else's
	// requests are involved, so nothing may be added.
	b.observe(Observation{Sent: at(1050), Received: at(1150), StatusCode: 200, RateLimit: ghlHeaders(2, 0, time.Second, 0, 0)}, at(1150))
	assert.Equal(t, 1, b.used(at(1150)))
	admitted(t, b, at(1150))
}

func TestWindowBudgetCorrectionSurvivesLaterAdmits(t *testing.T) {
	b := newBudget(5, time.Second)
	b.learned = true
	admitted(t, b, at(0))
	b.observe(Observation{Sent: at(0), Received: at(100), StatusCode: 200}, at(100))
	admitted(t, b, at(1050))
	// Other callers look at the window while the request is out; the first stamp leaves it.
	assert.Equal(t, 1, b.used(at(1200)))
	// The server counted both requests: nothing unknown, nothing to add.
	b.observe(Observation{Sent: at(1050), Received: at(1250), StatusCode: 200, RateLimit: ghlHeaders(5, 3, time.Second, 0, 0)}, at(1250))
	assert.Equal(t, 1, b.used(at(1250)))
}

func TestWindowBudgetPausesAfter429(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	admitted(t, b, at(0))
	b.observe(Observation{Received: at(10), StatusCode: 429, RetryAfter: 2 * time.Second,
		RateLimit: ghlHeaders(100, 0, 10*time.Second, 0, 0)}, at(10))
	assert.Equal(t, 1990*time.Millisecond, refused(t, b, at(20)))
	admitted(t, b, at(2010))

	// Without Retry-After the pause is the window.
	b2 := newBudget(100, 3*time.Second)
	admitted(t, b2, at(0))
	b2.observe(Observation{Received: at(10), StatusCode: 429}, at(10))
	assert.Equal(t, 3*time.Second, refused(t, b2, at(10)))
}

func TestWindowBudgetLongPauseFailsFast(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	b.maxPause = time.Minute
	admitted(t, b, at(0))
	b.observe(Observation{Received: at(0), StatusCode: 429, RetryAfter: time.Hour}, at(0))
	ok, _, err := b.admit(at(1000))
	require.False(t, ok)
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.False(t, rle.Daily)
	assert.Equal(t, time.Hour-time.Second, rle.RetryAfter)
	assert.ErrorIs(t, err, ErrRateLimited)
}

func TestWindowBudgetDailyBudgetFromHeaders(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	admitted(t, b, at(0))
	b.observe(Observation{Received: at(10), StatusCode: 200, RateLimit: ghlHeaders(100, 99, 10*time.Second, 200000, 0)}, at(10))
	ok, _, err := b.admit(at(20))
	require.False(t, ok)
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.Zero(t, rle.StatusCode, "nothing was sent")
	// Resets at the next midnight UTC: 12 h after t0, less the 20 ms.
	assert.Equal(t, 12*time.Hour-20*time.Millisecond, rle.RetryAfter)
	assert.Equal(t, 200000, rle.RateLimit.DailyLimit)
	assert.Contains(t, rle.Error(), "daily rate limit reached")
	// The next day the budget is unknown again and requests go.
	admitted(t, b, t0.Add(12*time.Hour))
}

func TestWindowBudgetDailyBudgetCountedLocally(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	b.dailyLimit = 2
	b.resetIn = time.FixedZone("UTC-5", -5*3600)
	admitted(t, b, at(0))
	b.observe(Observation{Received: at(1), StatusCode: 200}, at(1))
	admitted(t, b, at(2))
	_, _, err := b.admit(at(3))
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	// Midnight at UTC-5 is 05:00 UTC, 17 h after t0.
	assert.Equal(t, 17*time.Hour-3*time.Millisecond, rle.RetryAfter)
}

func TestWindowBudgetDaily429StopsAtOnce(t *testing.T) {
	b := newBudget(100, 10*time.Second)
	admitted(t, b, at(0))
	b.observe(Observation{Received: at(1), StatusCode: 429, RateLimit: ghlHeaders(100, 50, 10*time.Second, 10, 0)}, at(1))
	_, _, err := b.admit(at(2))
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
}

func TestNextDailyReset(t *testing.T) {
	assert.Equal(t, time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), nextDailyReset(t0, nil))
	assert.Equal(t, time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), nextDailyReset(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), time.UTC))
}

// TestParseResponseHeaders reads GHL's headers, and clamps what a broken or hostile server
// sends before any of it is scaled: nothing may wrap around or grow with the value.
func TestParseResponseHeaders(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("X-RateLimit-Max", "100")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-RateLimit-Limit-Daily", "200000")
	h.Set("X-RateLimit-Daily-Remaining", "199000")
	h.Set("Retry-After", "7")
	assert.Equal(t, respHeaders{rateLimit: RateLimit{Max: 100, Remaining: 0, Interval: 10 * time.Second, DailyLimit: 200000, DailyRemaining: 199000, Present: true},
		retryAfter: 7 * time.Second}, parseResponseHeaders(h, now))
	assert.Equal(t, respHeaders{}, parseResponseHeaders(http.Header{"X-Ratelimit-Max": {"lots"}, "Retry-After": {"soon"}}, now))
	assert.Equal(t, respHeaders{}, parseResponseHeaders(http.Header{"X-Ratelimit-Max": {"-5"}, "Retry-After": {"-3"}}, now))
	assert.Equal(t, respHeaders{}, parseResponseHeaders(http.Header{}, now))

	hostile := http.Header{
		"X-Ratelimit-Max":                   {"50000000"},
		"X-Ratelimit-Remaining":             {"99999999999999999999999"}, // past int64
		"X-Ratelimit-Interval-Milliseconds": {"86400000"},
		"X-Ratelimit-Limit-Daily":           {"9223372036854775807"},
		"X-Ratelimit-Daily-Remaining":       {"-99999999999999999999999"},
		"Retry-After":                       {"9999999999"},
	}
	assert.Equal(t, respHeaders{rateLimit: RateLimit{Max: maxHeaderCount, Remaining: maxHeaderCount, Interval: time.Hour,
		DailyLimit: maxHeaderDaily, Present: true}, retryAfter: 24 * time.Hour}, parseResponseHeaders(hostile, now))

	for v, want := range map[string]time.Duration{
		"0":   0,
		"90":  90 * time.Second,
		"+9":  0,
		"1e3": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat):    90 * time.Second,
		now.Add(-90 * time.Second).Format(http.TimeFormat):   0,
		now.AddDate(300, 0, 0).Format(http.TimeFormat):       24 * time.Hour,
		"184467440737095516150":                              24 * time.Hour, // past uint64
		strings.Repeat("9", 400):                             24 * time.Hour,
		now.Add(time.Second).Format(time.RFC850):             time.Second,
		" " + now.Add(2*time.Second).Format(http.TimeFormat): 2 * time.Second,
		"Mon, 99 Jan 2026 00:00:00 GMT":                      0,
		"9999999999" + strings.Repeat("9", 10) + ".5":        0,
		"": 0,
	} {
		assert.Equal(t, want, parseResponseHeaders(http.Header{"Retry-After": {v}}, now).retryAfter, "Retry-After: %q", v)
	}
}

func TestLimiterWaitHonoursContextAndFreesReservation(t *testing.T) {
	l := mustLimiter(WithDefaultLimit(1, time.Hour), WithMaxPause(2*time.Hour))
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx, "loc"))
	l.Observe("loc", Observation{Received: time.Now(), StatusCode: 200})

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Wait(cctx, "loc") }()
	waitForWaiters(t, l, "loc", 1)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	waitForWaiters(t, l, "loc", 0)

	k := l.lock("loc")
	used := k.b.used(time.Now())
	k.mu.Unlock()
	assert.Equal(t, 1, used, "a cancelled Wait must not hold a slot")

	// A context that is already done returns at once, even with budget to spare.
	done2, cancel2 := context.WithCancel(ctx)
	cancel2()
	require.ErrorIs(t, l.Wait(done2, "other"), context.Canceled)
}

// TestLimiterCancelledAfterGrantReturnsSlot grants a queued waiter its slot after its context
// ended, before it runs again: whichever of the two it sees first, it returns ctx's error and
// the slot is free for the next caller. The clock is the test's and the window an hour long, so
// the limiter's own timer never fires: the test alone decides when the slot frees.
func TestLimiterCancelledAfterGrantReturnsSlot(t *testing.T) {
	for run := range 20 { // the waiter's select picks at random between two ready cases
		var now atomic.Int64
		now.Store(t0.UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		l := mustLimiter(WithDefaultLimit(1, time.Hour), WithMaxPause(2*time.Hour), withClock(clock))
		ctx := context.Background()
		require.NoError(t, l.Wait(ctx, "k"))
		l.Observe("k", Observation{Received: clock(), StatusCode: 200})

		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- l.Wait(cctx, "k") }()
		waitForWaiters(t, l, "k", 1)
		k := l.lock("k")
		cancel()
		now.Add(int64(time.Hour + time.Millisecond))
		l.dispatch(k, clock())
		require.Equal(t, 1, k.b.inFlight, "run %d: the slot was granted", run)
		require.Empty(t, k.waiters)
		k.mu.Unlock()

		require.ErrorIs(t, <-done, context.Canceled, "run %d", run)
		k = l.lock("k")
		assert.Equal(t, 0, k.b.inFlight, "run %d: the slot was handed back", run)
		k.mu.Unlock()
		require.NoError(t, l.Wait(ctx, "k"), "run %d: the next caller gets it at once", run)
	}
}

func waitForWaiters(t *testing.T, l *windowLimiter, key string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		k := l.lock(key)
		defer k.mu.Unlock()
		return len(k.waiters) == n
	}, 5*time.Second, time.Millisecond)
}

func TestLimiterBlocksUntilSlotExpires(t *testing.T) {
	const w = 80 * time.Millisecond
	l := mustLimiter(WithDefaultLimit(2, w))
	ctx := context.Background()
	var receipts []time.Time
	for range 2 {
		require.NoError(t, l.Wait(ctx, "k"))
		r := time.Now()
		receipts = append(receipts, r)
		l.Observe("k", Observation{Received: r, StatusCode: 200})
	}
	require.NoError(t, l.Wait(ctx, "k"))
	// Timers never fire early, so this lower bound holds on any machine.
	assert.False(t, time.Now().Before(receipts[0].Add(w)), "admitted before the first slot expired")
}

func TestLimiterServesWaitersInOrder(t *testing.T) {
	l := mustLimiter(WithDefaultLimit(1, 20*time.Millisecond))
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx, "k"))
	l.Observe("k", Observation{Received: time.Now(), StatusCode: 200})
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 5 {
		waitForWaiters(t, l, "k", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if assert.NoError(t, l.Wait(ctx, "k")) {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				l.Observe("k", Observation{Received: time.Now(), StatusCode: 200})
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, []int{0, 1, 2, 3, 4}, order)
}

func TestLimiterDailySpentFailsWaitersFast(t *testing.T) {
	l := mustLimiter(WithDefaultLimit(1, time.Hour), WithDailyLimit(0), WithMaxPause(2*time.Hour))
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx, "k"))
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx, "k") }() // queued behind the window
	waitForWaiters(t, l, "k", 1)
	l.Observe("k", Observation{Received: time.Now(), StatusCode: 200, RateLimit: ghlHeaders(1, 0, time.Hour, 100, 0)})
	err := <-done
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.Positive(t, rle.RetryAfter)
}

func TestLimiterDropsIdleKeys(t *testing.T) {
	var now atomic.Int64
	now.Store(t0.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	l := mustLimiter(WithDefaultLimit(10, time.Second), withClock(clock))
	ctx := context.Background()
	for i := range 5000 {
		key := "loc-" + itoa(i)
		require.NoError(t, l.Wait(ctx, key))
		l.Observe(key, Observation{Received: clock(), StatusCode: 200})
	}
	// One key stays busy: it must survive the sweep.
	require.NoError(t, l.Wait(ctx, "busy"))
	assert.Equal(t, 5001, l.len())
	now.Add(int64(2 * time.Minute))
	require.NoError(t, l.Wait(ctx, "fresh"))
	assert.Equal(t, 2, l.len())
	l.Observe("busy", Observation{Received: clock(), StatusCode: 200})
	// A dropped key starts again from the defaults.
	require.NoError(t, l.Wait(ctx, "loc-1"))
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func TestLimiterSmoothingSpacesRequests(t *testing.T) {
	// 10 per 100 ms with burst 1 spaces requests 10 ms apart.
	l := mustLimiter(WithDefaultLimit(10, 100*time.Millisecond), WithSmoothing(1))
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx, "k"))
	l.Observe("k", Observation{Received: time.Now(), StatusCode: 200})
	start := time.Now()
	for range 3 {
		require.NoError(t, l.Wait(ctx, "k"))
		l.Observe("k", Observation{Received: time.Now(), StatusCode: 200})
	}
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
}

// TestLimiterAtTheLimitSendsNo429s drives a ghltest server at its limit from 8 goroutines.
// The window is scaled down (100 per 300 ms instead of 100 per 10 s) to keep the test fast;
// the limiter learns it from the headers. Timing figures belong to BenchmarkThroughput.
func TestLimiterAtTheLimitSendsNo429s(t *testing.T) {
	for _, mode := range []ghltest.RateLimitMode{ghltest.FixedWindow, ghltest.SlidingWindow} {
		t.Run(modeName(mode), func(t *testing.T) {
			srv := ghltest.NewServer(ghltest.WithRateLimit(ghltest.RateLimitConfig{Mode: mode, Limit: 100, Window: 300 * time.Millisecond}))
			defer srv.Close()
			c := newTestClient(t, srv, mustLimiter(), 0)
			id := seedContact(t, c, srv)
			var errs atomic.Int32
			runConcurrent(8, 250, func() {
				if _, _, err := c.Contacts.Get(context.Background(), id); err != nil {
					errs.Add(1)
					t.Log(err)
				}
			})
			assert.Zero(t, errs.Load())
			assert.Zero(t, srv.RateLimited(), "429s sent")
			assert.Equal(t, 251, srv.Admitted())
		})
	}
}

func TestClientFailsFastWhenDailyBudgetSpent(t *testing.T) {
	srv := ghltest.NewServer(ghltest.WithRateLimit(ghltest.RateLimitConfig{Limit: 100, Window: time.Second, DailyLimit: 3}))
	defer srv.Close()
	c := newTestClient(t, srv, mustLimiter(), 3)
	id := seedContact(t, c, srv)
	for range 2 {
		_, _, err := c.Contacts.Get(context.Background(), id)
		require.NoError(t, err)
	}
	_, _, err := c.Contacts.Get(context.Background(), id)
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.Zero(t, rle.StatusCode, "refused by the client, not the server")
	assert.Greater(t, rle.RetryAfter, time.Duration(0))
	assert.LessOrEqual(t, rle.RetryAfter, 24*time.Hour)
	assert.Equal(t, 2, srv.Requests(http.MethodGet, "/contacts/"+id), "nothing sent once the budget is spent")
	assert.Zero(t, srv.RateLimited())
}

func modeName(m ghltest.RateLimitMode) string {
	if m == ghltest.SlidingWindow {
		return "sliding"
	}
	return "fixed"
}

func newTestClient(t testing.TB, srv *ghltest.Server, l Limiter, retries int, opts ...Option) *Client {
	t.Helper()
	all := []Option{
		WithBaseURL(srv.URL), WithAccessToken(srv.Token()), WithLocationID(srv.LocationID()),
		WithMaxRetries(retries), WithRetryPolicy(RetryPolicy{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, MaxRetryAfter: 5 * time.Second}),
	}
	if l != nil {
		all = append(all, WithRateLimiter(l))
	}
	c, err := NewClient(append(all, opts...)...)
	require.NoError(t, err)
	return c
}

func seedContact(t testing.TB, c *Client, srv *ghltest.Server) string {
	t.Helper()
	ct, _, err := c.Contacts.Create(context.Background(), &ContactCreateRequest{LocationID: srv.LocationID(), FirstName: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	return ct.ID
}

// runConcurrent runs fn n times spread over workers goroutines.
func runConcurrent(workers, n int, fn func()) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				fn()
			}
		}()
	}
	wg.Wait()
}

// TestwindowBudgetMatchesNaiveModel drives a budget with random admissions and receipts (some
// out of order, the clock sometimes stepping back a little) and compares its count of used
// slots with a plain list of every stamp.
func TestWindowBudgetMatchesNaiveModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w = 1000 // ms
	b := newBudget(50, w*time.Millisecond)
	b.learned = true
	var stamps []int // every receipt, in ms
	inFlight := 0
	now := 0
	for step := range 20000 {
		now += rng.IntN(7)
		if rng.IntN(10) == 0 {
			now -= rng.IntN(3) // callers read the clock in a slightly different order
		}
		switch {
		case inFlight > 0 && rng.IntN(2) == 0:
			r := now - rng.IntN(5)
			b.observe(Observation{Received: at(r), StatusCode: 200}, at(now))
			stamps = append(stamps, r)
			inFlight--
		default:
			if ok, _, err := b.admit(at(now)); err == nil && ok {
				inFlight++
			}
		}
		want := inFlight
		for _, s := range stamps {
			if s > now-w {
				want++
			}
		}
		require.Equal(t, want, b.used(at(now)), "step %d at %d ms", step, now)
		require.LessOrEqual(t, want, 50+1, "never more than the limit in a window")
	}
	assert.Less(t, cap(b.buf), 4*50+64, "the buffer stays proportional to the window's contents")
}

// mustLimiter builds a limiter from options the test knows to be valid.
func mustLimiter(opts ...LimiterOption) *windowLimiter {
	l, err := NewLimiter(opts...)
	if err != nil {
		panic(err)
	}
	return l.(*windowLimiter)
}

// withClock makes a limiter read time from now, for tests of daily resets and eviction.
// Waits still use real timers.
func withClock(now func() time.Time) LimiterOption {
	return func(c *limiterConfig) error {
		c.now = now
		return nil
	}
}

func TestLimiterOptionsValidate(t *testing.T) {
	for _, tt := range []struct {
		opt  LimiterOption
		want string
	}{
		{WithDefaultLimit(0, time.Second), "ghl: invalid WithDefaultLimit: (0, 1s): both must be positive"},
		{WithDefaultLimit(10, 0), "ghl: invalid WithDefaultLimit: (10, 0s): both must be positive"},
		{WithDailyLimit(-1), "ghl: invalid WithDailyLimit: -1 is negative"},
		{WithDailyReset(nil), "ghl: invalid WithDailyReset: nil *time.Location"},
		{WithMaxPause(0), "ghl: invalid WithMaxPause: 0s is not positive"},
		{WithSmoothing(0), "ghl: invalid WithSmoothing: burst 0 is not positive"},
	} {
		l, err := NewLimiter(tt.opt)
		assert.Nil(t, l)
		assert.EqualError(t, err, tt.want)
		assert.ErrorIs(t, err, ErrInvalidParam)
	}
}
