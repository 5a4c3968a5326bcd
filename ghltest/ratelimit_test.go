package ghltest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limitResult is a response as a rate-limit test sees it.
type limitResult struct {
	status int
	header http.Header
	body   map[string]any
}

// rlSend sends one request with the given token; err reports a connection without response.
func rlSend(srv *Server, token, method, path, body string) (limitResult, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Version", APIVersion)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return limitResult{}, err
	}
	defer resp.Body.Close()
	res := limitResult{status: resp.StatusCode, header: resp.Header}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return limitResult{}, err
	}
	_ = json.Unmarshal(raw, &res.body)
	return res, nil
}

func rlGet(t *testing.T, srv *Server, token string) limitResult {
	t.Helper()
	res, err := rlSend(srv, token, http.MethodGet, "/contacts/"+missingID, "")
	require.NoError(t, err)
	return res
}

// manualClock is a server clock that moves only when told.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var rlT0 = time.Date(2026, 4, 2, 15, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return rlT0.Add(time.Duration(s * float64(time.Second))) }

func assertLimitHeaders(t *testing.T, res limitResult, maxN, remaining, intervalMs, daily, dailyLeft string) {
	t.Helper()
	assert.Equal(t, maxN, res.header.Get("X-RateLimit-Max"), "X-RateLimit-Max")
	assert.Equal(t, remaining, res.header.Get("X-RateLimit-Remaining"), "X-RateLimit-Remaining")
	assert.Equal(t, intervalMs, res.header.Get("X-RateLimit-Interval-Milliseconds"), "X-RateLimit-Interval-Milliseconds")
	assert.Equal(t, daily, res.header.Get("X-RateLimit-Limit-Daily"), "X-RateLimit-Limit-Daily")
	assert.Equal(t, dailyLeft, res.header.Get("X-RateLimit-Daily-Remaining"), "X-RateLimit-Daily-Remaining")
}

func TestRateLimitOffByDefaultAdvertisesUnlimited(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	for range 150 {
		res := rlGet(t, srv, DefaultToken)
		require.Equal(t, http.StatusNotFound, res.status)
		assertLimitHeaders(t, res, "1000000", "1000000", "10000", "1000000000", "1000000000")
	}
	assert.Zero(t, srv.RateLimited())
}

func TestGHLRateLimit(t *testing.T) {
	assert.Equal(t, RateLimitConfig{Mode: SlidingWindow, Limit: 100, Window: 10 * time.Second, DailyLimit: 200_000}, GHLRateLimit(SlidingWindow))
	srv := NewServer(WithRateLimit(GHLRateLimit(FixedWindow)))
	defer srv.Close()
	assertLimitHeaders(t, rlGet(t, srv, DefaultToken), "100", "99", "10000", "200000", "199999")
}

func TestRateLimitFixedWindow(t *testing.T) {
	clk := &manualClock{now: rlT0}
	srv := NewServer(WithClock(clk.Now), WithRateLimit(RateLimitConfig{Mode: FixedWindow, Limit: 3, Window: 10 * time.Second}))
	defer srv.Close()

	for i, remaining := range []string{"2", "1", "0"} {
		clk.Set(sec(float64(i)))
		res := rlGet(t, srv, DefaultToken)
		assert.Equal(t, http.StatusNotFound, res.status, "admitted and handled")
		assertLimitHeaders(t, res, "3", remaining, "10000", "1000000000", "1000000000")
	}
	clk.Set(sec(7.5))
	res := rlGet(t, srv, DefaultToken)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, "3", res.header.Get("Retry-After"), "the window opened at 0 s closes at 10 s")
	assert.Equal(t, map[string]any{"statusCode": float64(429), "message": "Too many requests. Please try again later."}, res.body)
	assertLimitHeaders(t, res, "3", "0", "10000", "1000000000", "1000000000")
	assert.Equal(t, 1, srv.RateLimited())

	// The window is anchored at the first request after it ended, not on a fixed grid.
	clk.Set(sec(10))
	assertLimitHeaders(t, rlGet(t, srv, DefaultToken), "3", "2", "10000", "1000000000", "1000000000")
	clk.Set(sec(19.9))
	rlGet(t, srv, DefaultToken)
	rlGet(t, srv, DefaultToken)
	res = rlGet(t, srv, DefaultToken)
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, "1", res.header.Get("Retry-After"), "at least one second")
	assert.Equal(t, 6, srv.Admitted())
	assert.Equal(t, 2, srv.RateLimited())
}

func TestRateLimitSlidingWindow(t *testing.T) {
	clk := &manualClock{now: rlT0}
	srv := NewServer(WithClock(clk.Now), WithRateLimit(RateLimitConfig{Mode: SlidingWindow, Limit: 2, Window: 10 * time.Second}))
	defer srv.Close()
	status := func(at float64) limitResult {
		clk.Set(sec(at))
		return rlGet(t, srv, DefaultToken)
	}
	assert.Equal(t, http.StatusNotFound, status(0).status)
	assert.Equal(t, http.StatusNotFound, status(6).status)
	res := status(8)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, "2", res.header.Get("Retry-After"), "the request at 0 s leaves the window at 10 s")
	// A fixed window opened at 0 s would let two more in at 10 s; the sliding one lets one.
	res = status(10.001)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Equal(t, "0", res.header.Get("X-RateLimit-Remaining"))
	res = status(12)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, "4", res.header.Get("Retry-After"))
	assert.Equal(t, 3, srv.Admitted())
	assert.Equal(t, 2, srv.RateLimited())
}

func TestRateLimitDailyBudget(t *testing.T) {
	clk := &manualClock{now: sec(0)}
	srv := NewServer(WithClock(clk.Now), WithRateLimit(RateLimitConfig{Limit: 100, Window: 10 * time.Second, DailyLimit: 2}))
	defer srv.Close()
	assertLimitHeaders(t, rlGet(t, srv, DefaultToken), "100", "99", "10000", "2", "1")
	assertLimitHeaders(t, rlGet(t, srv, DefaultToken), "100", "98", "10000", "2", "0")
	res := rlGet(t, srv, DefaultToken)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	assertLimitHeaders(t, res, "100", "98", "10000", "2", "0")
	assert.Equal(t, "32400", res.header.Get("Retry-After"), "9 hours to midnight UTC")
	assert.Contains(t, res.body["message"], "Daily rate limit")
	assert.Equal(t, 1, srv.RateLimitedDaily())
	// A new day, a new budget.
	clk.Set(time.Date(2026, 4, 3, 0, 0, 1, 0, time.UTC))
	assertLimitHeaders(t, rlGet(t, srv, DefaultToken), "100", "99", "10000", "2", "1")
}

func TestRateLimitPerLocation(t *testing.T) {
	srv := NewServer(WithLocation("loc-a", "tok-a"), WithLocation("loc-b", "tok-b"),
		WithRateLimit(RateLimitConfig{Limit: 1, Window: time.Hour, OmitRetryAfter: true}))
	defer srv.Close()
	assert.Equal(t, http.StatusNotFound, rlGet(t, srv, "tok-a").status)
	assert.Equal(t, http.StatusNotFound, rlGet(t, srv, "tok-b").status, "each location has its own budget")
	res := rlGet(t, srv, "tok-a")
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Empty(t, res.header.Get("Retry-After"), "OmitRetryAfter")
	// A 401 for a token of a location carries that location's real budget, uncounted: loc-a
	// has spent its one request, loc-b has too.
	res = rlGet(t, srv, srv.NewToken("loc-a")) // a token without the read scope
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assertLimitHeaders(t, res, "1", "0", "3600000", "1000000000", "1000000000")
	// A token the server does not know names no location: no budget is made up for it.
	res = rlGet(t, srv, "unknown-token")
	assert.Equal(t, http.StatusUnauthorized, res.status)
	for _, h := range []string{"X-RateLimit-Max", "X-RateLimit-Remaining", "X-RateLimit-Interval-Milliseconds", "X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining"} {
		assert.Empty(t, res.header.Values(h), h)
	}
	assert.Equal(t, 2, srv.Admitted())
}
