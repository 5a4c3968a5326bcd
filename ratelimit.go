package ghl

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Limiter paces requests so that each location stays within the budget GHL grants it. Wait is
// called before every attempt and Observe after it, exactly once per successful Wait, with
// what the server said. Implementations must be safe for concurrent use.
type Limiter interface {
	// Wait blocks until a request for the location key may be sent, or returns ctx's error.
	// It returns a *RateLimitError at once when the daily budget is spent.
	Wait(ctx context.Context, key string) error
	// Observe reports the outcome of an attempt that Wait admitted.
	Observe(key string, obs Observation)
}

// Observation is what the limiter learns from one attempt.
type Observation struct {
	// Received is when the response (or the transport error) arrived.
	Received   time.Time
	StatusCode int // 0 when there was no response
	RateLimit  RateLimit
	RetryAfter time.Duration
	Err        error
	// NotSent reports that the attempt was abandoned before it reached the network.
	NotSent bool
}

// NewLimiter returns the default in-process limiter.
func NewLimiter() Limiter { return nopLimiter{} }

type nopLimiter struct{}

func (nopLimiter) Wait(ctx context.Context, _ string) error { return ctx.Err() }
func (nopLimiter) Observe(string, Observation)              {}

func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	rl.Max, rl.Present = headerInt(h, "X-Ratelimit-Max", rl.Present)
	rl.Remaining, rl.Present = headerInt(h, "X-Ratelimit-Remaining", rl.Present)
	var ms int
	ms, rl.Present = headerInt(h, "X-Ratelimit-Interval-Milliseconds", rl.Present)
	rl.Interval = time.Duration(ms) * time.Millisecond
	rl.DailyLimit, rl.Present = headerInt(h, "X-Ratelimit-Limit-Daily", rl.Present)
	rl.DailyRemaining, rl.Present = headerInt(h, "X-Ratelimit-Daily-Remaining", rl.Present)
	return rl
}

// headerInt reads a canonical header key directly, avoiding the canonicalisation cost of
// Header.Get on the hot path.
func headerInt(h http.Header, key string, present bool) (int, bool) {
	v := h[key]
	if len(v) == 0 {
		return 0, present
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, present
	}
	return n, true
}
