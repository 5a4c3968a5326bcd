package ghltest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimitMode says how the fake counts requests in a window.
type RateLimitMode int

const (
	// FixedWindow counts requests in windows anchored at the first request after the previous
	// window ended, the way a Redis INCR+EXPIRE counter does.
	FixedWindow RateLimitMode = iota
	// SlidingWindow accepts a request only while fewer than Limit requests were accepted in the
	// Window before it.
	SlidingWindow
)

// RateLimitConfig sets the budget each location (or company) gets. Only accepted requests
// count; a request answered 429 does not. A zero Limit or DailyLimit means no such limit.
type RateLimitConfig struct {
	Mode   RateLimitMode
	Limit  int           // requests per Window (X-RateLimit-Max)
	Window time.Duration // X-RateLimit-Interval-Milliseconds
	// DailyLimit is the requests allowed per day (X-RateLimit-Limit-Daily); the day ends at
	// midnight UTC by the server's clock.
	DailyLimit int
	// OmitRetryAfter leaves Retry-After off 429s, as GHL's documentation names no such header;
	// clients must then fall back to the window length.
	OmitRetryAfter bool
}

// GHLRateLimit returns GHL's documented default budget: 100 requests per 10 seconds and
// 200,000 a day per app and location, in the given window mode.
func GHLRateLimit(mode RateLimitMode) RateLimitConfig {
	return RateLimitConfig{Mode: mode, Limit: 100, Window: 10 * time.Second, DailyLimit: 200_000}
}

// What the fake advertises for a limit it does not enforce, so that a client that paces
// itself by the headers runs at full speed against a server without limits.
const (
	UnlimitedMax    = 1_000_000
	UnlimitedWindow = 10 * time.Second
	UnlimitedDaily  = 1_000_000_000
)

// WithRateLimit makes the server enforce cfg per location. Without it the server enforces
// nothing and advertises the Unlimited* values. Every response carries the five
// X-RateLimit-* headers either way; a request over the limit gets 429 with GHL's error body
// and, unless OmitRetryAfter, Retry-After in whole seconds.
func WithRateLimit(cfg RateLimitConfig) ServerOption {
	return func(c *config) { c.rate = cfg }
}

type limitState struct {
	cfg RateLimitConfig

	mu          sync.Mutex
	keys        map[string]*limitKey
	admitted    int
	rateLimited int // 429s sent for the limit (storms are counted by the faults)
	dailyHits   int
}

type limitKey struct {
	winStart  time.Time   // FixedWindow: when the current window opened
	winCount  int         // FixedWindow: requests accepted in it
	log       []time.Time // SlidingWindow: acceptance times within the window, oldest first
	dayEnd    time.Time
	dailyUsed int
}

func (l *limitState) init(cfg RateLimitConfig) {
	if cfg.Limit < 0 {
		cfg.Limit = 0
	}
	if cfg.Limit > 0 && cfg.Window <= 0 {
		cfg.Window = 10 * time.Second
	}
	if cfg.DailyLimit < 0 {
		cfg.DailyLimit = 0
	}
	l.cfg = cfg
	l.keys = map[string]*limitKey{}
}

func (l *limitState) key(key string, now time.Time) *limitKey {
	k := l.keys[key]
	if k == nil {
		k = &limitKey{}
		l.keys[key] = k
	}
	if !now.Before(k.dayEnd) {
		t := now.UTC()
		k.dayEnd = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		k.dailyUsed = 0
	}
	return k
}

// used returns the requests counted in key's current window and when the next slot frees.
func (l *limitState) used(k *limitKey, now time.Time) (int, time.Time) {
	w := l.cfg.Window
	if l.cfg.Mode == SlidingWindow {
		i := 0
		for i < len(k.log) && !k.log[i].After(now.Add(-w)) {
			i++
		}
		k.log = k.log[i:]
		if len(k.log) == 0 {
			return 0, now
		}
		return len(k.log), k.log[0].Add(w)
	}
	if k.winStart.IsZero() || !now.Before(k.winStart.Add(w)) {
		return 0, now
	}
	return k.winCount, k.winStart.Add(w)
}

// admit counts a request for key and writes the rate-limit headers; over the limit it
// answers 429 itself and returns false.
func (l *limitState) admit(w http.ResponseWriter, key string, now time.Time) bool {
	if l.cfg.Limit == 0 && l.cfg.DailyLimit == 0 {
		writeLimitHeaders(w, UnlimitedMax, UnlimitedMax, UnlimitedWindow, UnlimitedDaily, UnlimitedDaily)
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.key(key, now)
	lim, interval, used, freeAt := UnlimitedMax, UnlimitedWindow, 0, now
	if l.cfg.Limit > 0 {
		lim, interval = l.cfg.Limit, l.cfg.Window
		used, freeAt = l.used(k, now)
	}
	daily, dailyLeft := UnlimitedDaily, func() int { return UnlimitedDaily }
	if l.cfg.DailyLimit > 0 {
		daily, dailyLeft = l.cfg.DailyLimit, func() int { return l.cfg.DailyLimit - k.dailyUsed }
	}
	switch {
	case l.cfg.DailyLimit > 0 && k.dailyUsed >= l.cfg.DailyLimit:
		l.rateLimited++
		l.dailyHits++
		writeLimitHeaders(w, lim, lim-used, interval, daily, 0)
		l.reject(w, k.dayEnd.Sub(now), "Daily rate limit exceeded for this location. Please try again tomorrow.")
		return false
	case l.cfg.Limit > 0 && used >= l.cfg.Limit:
		l.rateLimited++
		writeLimitHeaders(w, lim, 0, interval, daily, dailyLeft())
		l.reject(w, freeAt.Sub(now), "Too many requests. Please try again later.")
		return false
	}
	l.admitted++
	k.dailyUsed++
	if l.cfg.Limit > 0 {
		if l.cfg.Mode == SlidingWindow {
			k.log = append(k.log, now)
		} else {
			if used == 0 {
				k.winStart, k.winCount = now, 0
			}
			k.winCount++
		}
		used++
	}
	writeLimitHeaders(w, lim, lim-used, interval, daily, dailyLeft())
	return true
}

func (l *limitState) reject(w http.ResponseWriter, wait time.Duration, msg string) {
	if !l.cfg.OmitRetryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
	}
	writeError(w, http.StatusTooManyRequests, msg)
}

// headersOnly writes key's rate-limit headers as they stand at now, without counting a
// request, for answers the server gives before or instead of admitting one (401s, injected
// faults). With no key (an unknown token) it writes none.
func (l *limitState) headersOnly(w http.ResponseWriter, key string, now time.Time) {
	if key == "" {
		return
	}
	if l.cfg.Limit == 0 && l.cfg.DailyLimit == 0 {
		writeLimitHeaders(w, UnlimitedMax, UnlimitedMax, UnlimitedWindow, UnlimitedDaily, UnlimitedDaily)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.key(key, now)
	lim, interval, used := UnlimitedMax, UnlimitedWindow, 0
	if l.cfg.Limit > 0 {
		lim, interval = l.cfg.Limit, l.cfg.Window
		used, _ = l.used(k, now)
	}
	daily, dailyLeft := UnlimitedDaily, UnlimitedDaily
	if l.cfg.DailyLimit > 0 {
		daily, dailyLeft = l.cfg.DailyLimit, l.cfg.DailyLimit-k.dailyUsed
	}
	writeLimitHeaders(w, lim, lim-used, interval, daily, dailyLeft)
}

func writeLimitHeaders(w http.ResponseWriter, max, remaining int, interval time.Duration, daily, dailyRemaining int) {
	h := w.Header()
	h["X-Ratelimit-Max"] = []string{strconv.Itoa(max)}
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(remaining)}
	h["X-Ratelimit-Interval-Milliseconds"] = []string{strconv.FormatInt(interval.Milliseconds(), 10)}
	h["X-Ratelimit-Limit-Daily"] = []string{strconv.Itoa(daily)}
	h["X-Ratelimit-Daily-Remaining"] = []string{strconv.Itoa(dailyRemaining)}
}

func ceilSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// RateLimited returns how many 429s the server has sent because a location was over its
// window or daily limit (429 storms injected as faults are counted by Faults instead).
func (s *Server) RateLimited() int {
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	return s.limits.rateLimited
}

// RateLimitedDaily returns how many of RateLimited's 429s were for a spent daily budget.
func (s *Server) RateLimitedDaily() int {
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	return s.limits.dailyHits
}

// Admitted returns how many requests the rate limiter let through while limits are enforced.
func (s *Server) Admitted() int {
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	return s.limits.admitted
}
