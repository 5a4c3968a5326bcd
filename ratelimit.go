package ghl

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces requests so that each location stays within the budget GHL grants it.
// Implementations must be safe for concurrent use. The client keys it by location ID ("" for a
// client without one) and calls it once per HTTP attempt, retries included:
//
//   - Wait is called before the attempt. It returns nil when the request may be sent, which
//     reserves one unit of the key's budget (a slot of the burst window and one request of the
//     daily budget); it blocks while the window is full; it returns ctx.Err() as soon as ctx is
//     done, and then holds no reservation. It fails fast with a *RateLimitError instead of
//     blocking when the wait is known to be long: the daily budget is spent (Daily is true,
//     RetryAfter runs to the reset), the wait is longer than the limiter is willing to block,
//     or it would end after ctx's deadline (as golang.org/x/time/rate's Wait does).
//   - Observe is called exactly once for every Wait that returned nil, after the attempt, with
//     what the server said (the X-RateLimit-* headers, the status, Retry-After). It releases
//     the reservation. Observation.NotSent means the attempt never reached the network (the
//     token could not be had), so the reservation is returned unused. Observe never blocks.
//
// A shared implementation (one budget for many processes) must keep the same meaning:
// reservations made by Wait count against the window until the response is received, and
// each response's receipt time is what the window is measured from.
type Limiter interface {
	// Wait blocks until a request for the location key may be sent, or returns ctx's error.
	// It returns a *RateLimitError at once when the wait is known to be too long.
	Wait(ctx context.Context, key string) error
	// Observe reports the outcome of an attempt that Wait admitted.
	Observe(key string, obs Observation)
}

// Observation is what the limiter learns from one attempt.
type Observation struct {
	// Sent is when the request was handed to the transport, after Wait returned. The server
	// counted it somewhere between Sent and Received. Zero if unknown.
	Sent time.Time
	// Received is when the response (or the transport error) arrived.
	Received   time.Time
	StatusCode int // 0 when there was no response
	RateLimit  RateLimit
	RetryAfter time.Duration
	Err        error
	// NotSent reports that the attempt was abandoned before it reached the network.
	NotSent bool
}

// GHL's documented default budget per app and location.
const (
	DefaultRateLimit  = 100              // requests per window
	DefaultRateWindow = 10 * time.Second // the burst window
	DefaultDailyLimit = 200_000          // requests per day
	// DefaultMaxPause is the longest Wait blocks (for a 429's pause or a full window) before
	// it fails fast.
	DefaultMaxPause = time.Minute
)

// LimiterOption configures NewLimiter.
type LimiterOption func(*limiterConfig) error

type limiterConfig struct {
	limit      int
	window     time.Duration
	daily      int
	resetLoc   *time.Location
	maxPause   time.Duration
	smoothing  int
	sweepEvery time.Duration
	now        func() time.Time
}

// WithDefaultLimit sets the budget assumed for a location until its first response says
// otherwise through X-RateLimit-Max and X-RateLimit-Interval-Milliseconds (default 100 per
// 10 s). Lower it when the app is known to have a smaller limit: before the first response
// of a location only one request is in flight, but after it the limiter trusts the headers.
func WithDefaultLimit(n int, window time.Duration) LimiterOption {
	return func(c *limiterConfig) error {
		if n <= 0 || window <= 0 {
			return &InvalidParamError{Param: "WithDefaultLimit", Reason: fmt.Sprintf("(%d, %v): both must be positive", n, window)}
		}
		c.limit, c.window = n, window
		return nil
	}
}

// WithDailyLimit sets the daily budget counted locally until a response reports
// X-RateLimit-Limit-Daily and X-RateLimit-Daily-Remaining (default 200,000). 0 disables the
// local count, so only the server's headers can stop a location for the day.
func WithDailyLimit(n int) LimiterOption {
	return func(c *limiterConfig) error {
		if n < 0 {
			return &InvalidParamError{Param: "WithDailyLimit", Reason: fmt.Sprintf("%d is negative", n)}
		}
		c.daily = n
		return nil
	}
}

// WithDailyReset sets the time zone whose midnight ends GHL's day (default UTC). GHL does not
// document when its daily counter resets, so midnight UTC is an assumption: if the real reset
// comes earlier, a spent location stays refused until the assumed one; if later, the server's
// next 429 (with X-RateLimit-Daily-Remaining: 0) stops it again.
func WithDailyReset(loc *time.Location) LimiterOption {
	return func(c *limiterConfig) error {
		if loc == nil {
			return &InvalidParamError{Param: "WithDailyReset", Reason: "nil *time.Location"}
		}
		c.resetLoc = loc
		return nil
	}
}

// WithMaxPause sets the longest Wait blocks, for a 429's Retry-After or for a slot of the
// window to free (default one minute); beyond it Wait fails fast with a *RateLimitError
// carrying the wait.
func WithMaxPause(d time.Duration) LimiterOption {
	return func(c *limiterConfig) error {
		if d <= 0 {
			return &InvalidParamError{Param: "WithMaxPause", Reason: fmt.Sprintf("%v is not positive", d)}
		}
		c.maxPause = d
		return nil
	}
}

// WithSmoothing additionally spaces the requests of each location with a token bucket
// (golang.org/x/time/rate) filled at the window's rate (limit/window) holding burst tokens,
// so a queue of requests is spread out instead of sent as one burst when the window opens.
// The window log still guarantees the server's limit; smoothing only lowers the peak, and it
// costs throughput on short runs (see BENCHMARKS.md), so it is off by default.
func WithSmoothing(burst int) LimiterOption {
	return func(c *limiterConfig) error {
		if burst <= 0 {
			return &InvalidParamError{Param: "WithSmoothing", Reason: fmt.Sprintf("burst %d is not positive", burst)}
		}
		c.smoothing = burst
		return nil
	}
}

// NewLimiter returns the default in-process limiter: a sliding-window log per location.
//
// Why a log and not a token bucket: GHL counts at most L requests in any window of W (100 per
// 10 s by default). A token bucket with rate L/W and burst L lets L+L requests into one window
// and is answered with 429s; one that can never exceed the window (burst b, rate r with
// b + r*W <= L) runs at about two thirds of the limit on short jobs. The log admits a request
// only while fewer than L requests are in flight or were received within the last W, which is
// both exact and free of 429s. Slots are stamped when the response is received, which is at or
// after the moment the server counted the request, so no clock margin is needed; the cost is
// one round trip per window, well under 1% at GHL's 10 s window.
//
// L and W follow X-RateLimit-Max and X-RateLimit-Interval-Milliseconds of every response.
// X-RateLimit-Remaining corrects the log when the server has counted requests this process
// did not send (another process, a restart). X-RateLimit-Daily-Remaining tracks the daily
// budget; when it is spent, Wait fails fast with a *RateLimitError (Daily: true) whose
// RetryAfter runs to the assumed reset (midnight UTC, see WithDailyReset). A 429 pauses the
// location for its Retry-After, or for the window when it has none. A location that has been
// idle for a whole window is forgotten, so memory follows the active locations only.
//
// The log is exact for one process. Processes that share a location's budget see each other's
// requests only through X-RateLimit-Remaining, after the fact, so they can race for the last
// slots of a window and draw the odd 429 (which the retry policy absorbs); a limiter shared
// through a common store (the redisstore module) keeps them exact.
//
// An invalid option is an error; NewLimiter() with no options never fails.
func NewLimiter(opts ...LimiterOption) (Limiter, error) {
	cfg := defaultLimiterConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return newWindowLimiter(cfg), nil
}

func defaultLimiterConfig() limiterConfig {
	return limiterConfig{
		limit:      DefaultRateLimit,
		window:     DefaultRateWindow,
		daily:      DefaultDailyLimit,
		resetLoc:   time.UTC,
		maxPause:   DefaultMaxPause,
		sweepEvery: time.Minute,
		now:        time.Now,
	}
}

func newWindowLimiter(cfg limiterConfig) *windowLimiter {
	l := &windowLimiter{cfg: cfg}
	l.lastSweep.Store(cfg.now().UnixNano())
	return l
}

// RateLimit is the budget GHL reports in its X-RateLimit-* headers. A zero field means the
// header was absent. Values are clamped to sane ranges (a window of at most an hour, at most a
// million requests per window), so a broken header cannot stall or flood the limiter.
type RateLimit struct {
	Max            int           // X-RateLimit-Max: requests allowed per interval
	Remaining      int           // X-RateLimit-Remaining: requests left in this interval
	Interval       time.Duration // X-RateLimit-Interval-Milliseconds
	DailyLimit     int           // X-RateLimit-Limit-Daily
	DailyRemaining int           // X-RateLimit-Daily-Remaining
	// Present reports whether the response carried any of the headers.
	Present bool
}

// windowLimiter is the default Limiter; see NewLimiter. It is safe for concurrent use.
type windowLimiter struct {
	cfg       limiterConfig
	keys      sync.Map // string -> *limiterKey
	lastSweep atomic.Int64
	sweeping  atomic.Bool
}

// limiterKey is one location's budget and the requests waiting for it, served in order.
type limiterKey struct {
	mu      sync.Mutex
	b       windowBudget
	waiters []*waiter
	timer   *time.Timer
	smooth  *rate.Limiter
	dead    bool // evicted: look the key up again
}

type waiter struct {
	ch      chan struct{}
	granted bool
	err     error
}

func (l *windowLimiter) newBudget() windowBudget {
	return windowBudget{
		limit:      l.cfg.limit,
		window:     l.cfg.window,
		dailyLimit: l.cfg.daily,
		resetIn:    l.cfg.resetLoc,
		maxPause:   l.cfg.maxPause,
	}
}

func (l *windowLimiter) lookup(key string) *limiterKey {
	if v, ok := l.keys.Load(key); ok {
		return v.(*limiterKey)
	}
	k := &limiterKey{b: l.newBudget()}
	if l.cfg.smoothing > 0 {
		k.smooth = rate.NewLimiter(perSecond(k.b.limit, k.b.window), l.cfg.smoothing)
	}
	v, _ := l.keys.LoadOrStore(key, k)
	return v.(*limiterKey)
}

// lock returns key's live state, locked.
func (l *windowLimiter) lock(key string) *limiterKey {
	for {
		k := l.lookup(key)
		k.mu.Lock()
		if !k.dead {
			return k
		}
		k.mu.Unlock()
	}
}

// Wait implements Limiter.
func (l *windowLimiter) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := l.cfg.now()
	l.maybeSweep(now)
	k := l.lock(key)
	var retryIn time.Duration
	var err error
	if len(k.waiters) == 0 {
		var ok bool
		ok, retryIn, err = k.b.admit(now)
		if ok {
			k.mu.Unlock()
			return l.space(ctx, k)
		}
	} else {
		// Others wait already: this request cannot go before the budget's next opening.
		_, retryIn, err = k.b.check(now)
	}
	if err == nil {
		err = outlastsDeadline(ctx, retryIn, k.b.last)
	}
	if err != nil {
		k.mu.Unlock()
		return err
	}
	w := &waiter{ch: make(chan struct{})}
	k.waiters = append(k.waiters, w)
	l.dispatch(k, now)
	k.mu.Unlock()
	select {
	case <-w.ch:
		if w.err != nil {
			return w.err
		}
		if err := ctx.Err(); err != nil {
			// Admitted as ctx ended: a done ctx never gets a slot, so hand it back.
			k.mu.Lock()
			l.release(k)
			k.mu.Unlock()
			return err
		}
		return l.space(ctx, k)
	case <-ctx.Done():
		k.mu.Lock()
		switch {
		case w.granted:
			l.release(k)
		case w.err == nil:
			for i, x := range k.waiters {
				if x == w {
					k.waiters = append(k.waiters[:i], k.waiters[i+1:]...)
					break
				}
			}
		}
		k.mu.Unlock()
		return ctx.Err()
	}
}

// outlastsDeadline returns the *RateLimitError of a wait of d (0: unknown, until a response
// frees a slot) that would end after ctx's deadline: waiting would only end in ctx's error.
func outlastsDeadline(ctx context.Context, d time.Duration, last RateLimit) error {
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return &RateLimitError{RetryAfter: d, RateLimit: last}
	}
	return nil
}

// release returns a slot granted to a request that will not be sent, and lets the next
// waiter have it. k.mu must be held.
func (l *windowLimiter) release(k *limiterKey) {
	k.b.cancel()
	l.dispatch(k, l.cfg.now())
}

// space applies WithSmoothing's token bucket to a request the window admitted.
func (l *windowLimiter) space(ctx context.Context, k *limiterKey) error {
	if k.smooth == nil {
		return nil
	}
	r := k.smooth.Reserve()
	d := r.Delay()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		k.mu.Lock()
		l.release(k)
		k.mu.Unlock()
		return ctx.Err()
	}
}

// dispatch admits waiters in order while the budget allows, and otherwise arms the key's
// timer for when it will. k.mu must be held.
func (l *windowLimiter) dispatch(k *limiterKey, now time.Time) {
	for len(k.waiters) > 0 {
		ok, retryIn, err := k.b.admit(now)
		if err != nil {
			for _, w := range k.waiters {
				w.err = err
				close(w.ch)
			}
			clear(k.waiters)
			k.waiters = k.waiters[:0]
			return
		}
		if !ok {
			if retryIn > 0 {
				l.arm(k, retryIn)
			}
			return // otherwise the next Observe frees capacity
		}
		w := k.waiters[0]
		k.waiters[0] = nil
		k.waiters = k.waiters[1:]
		w.granted = true
		close(w.ch)
	}
}

func (l *windowLimiter) arm(k *limiterKey, d time.Duration) {
	if k.timer == nil {
		k.timer = time.AfterFunc(d, func() {
			k.mu.Lock()
			if !k.dead {
				l.dispatch(k, l.cfg.now())
			}
			k.mu.Unlock()
		})
		return
	}
	k.timer.Reset(d)
}

// Observe implements Limiter.
func (l *windowLimiter) Observe(key string, obs Observation) {
	now := l.cfg.now()
	k := l.lock(key)
	limit, window := k.b.limit, k.b.window
	k.b.observe(obs, now)
	if k.smooth != nil && (k.b.limit != limit || k.b.window != window) {
		k.smooth.SetLimit(perSecond(k.b.limit, k.b.window))
	}
	if len(k.waiters) > 0 {
		l.dispatch(k, now)
	}
	k.mu.Unlock()
}

// len returns how many locations the limiter currently remembers.
func (l *windowLimiter) len() int {
	n := 0
	l.keys.Range(func(any, any) bool { n++; return true })
	return n
}

// maybeSweep drops idle locations, at most once per sweep interval, on the caller's
// goroutine: the limiter runs no goroutine of its own, so it needs no Close.
func (l *windowLimiter) maybeSweep(now time.Time) {
	last := l.lastSweep.Load()
	if now.UnixNano()-last < int64(l.cfg.sweepEvery) || !l.sweeping.CompareAndSwap(false, true) {
		return
	}
	defer l.sweeping.Store(false)
	if !l.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	l.keys.Range(func(key, v any) bool {
		k := v.(*limiterKey)
		if !k.mu.TryLock() {
			return true // busy, so not idle
		}
		if len(k.waiters) == 0 && k.b.idle(now) {
			k.dead = true
			if k.timer != nil {
				k.timer.Stop()
			}
			l.keys.CompareAndDelete(key, k)
		}
		k.mu.Unlock()
		return true
	})
}

func perSecond(n int, w time.Duration) rate.Limit {
	return rate.Limit(float64(n) / w.Seconds())
}

// respHeaders is what the pipeline reads from a response's headers. parseResponseHeaders makes
// it once per response, as the response arrives; the limiter, the retry policy, the error and
// *Response all read this one copy.
type respHeaders struct {
	rateLimit  RateLimit
	retryAfter time.Duration // Retry-After, capped at maxRetryAfterHeader; 0 if absent
}

// Header values past these are clamped: a hostile or broken server cannot make the client
// spend memory or time in proportion to a number it sends.
const (
	maxHeaderCount      = 1_000_000     // X-RateLimit-Max and -Remaining: requests per window
	maxHeaderDaily      = 1_000_000_000 // X-RateLimit-Limit-Daily and -Daily-Remaining
	maxHeaderInterval   = time.Hour     // X-RateLimit-Interval-Milliseconds (GHL: 10 s)
	maxRetryAfterHeader = 24 * time.Hour
)

// parseResponseHeaders reads the X-RateLimit-* and Retry-After headers; now dates an HTTP-date
// Retry-After. Every value is clamped before it is scaled.
func parseResponseHeaders(h http.Header, now time.Time) respHeaders {
	var r respHeaders
	rl := &r.rateLimit
	rl.Max, rl.Present = headerInt(h["X-Ratelimit-Max"], maxHeaderCount, rl.Present)
	rl.Remaining, rl.Present = headerInt(h["X-Ratelimit-Remaining"], maxHeaderCount, rl.Present)
	var ms int
	ms, rl.Present = headerInt(h["X-Ratelimit-Interval-Milliseconds"], int(maxHeaderInterval/time.Millisecond), rl.Present)
	rl.Interval = time.Duration(ms) * time.Millisecond
	rl.DailyLimit, rl.Present = headerInt(h["X-Ratelimit-Limit-Daily"], maxHeaderDaily, rl.Present)
	rl.DailyRemaining, rl.Present = headerInt(h["X-Ratelimit-Daily-Remaining"], maxHeaderDaily, rl.Present)
	if v := h["Retry-After"]; len(v) > 0 {
		r.retryAfter = retryAfterValue(v[0], now)
	}
	return r
}

// headerInt reads the first value of a header as a count of at most limit; a missing,
// negative or unreadable value is 0 and leaves present as it was. Keys are looked up in
// canonical form directly, avoiding Header.Get's canonicalisation on the hot path.
func headerInt(v []string, limit int, present bool) (int, bool) {
	if len(v) == 0 {
		return 0, present
	}
	n, ok := digits(v[0], uint64(limit))
	if !ok {
		return 0, present
	}
	return int(n), true
}

// digits reads s (spaces around it allowed) as a decimal number of digits only, capped at
// limit however many digits there are; ok is false for anything else.
func digits(s string, limit uint64) (n uint64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit { // the only possible error is a value past uint64
		return limit, true
	}
	return n, true
}

// retryAfterValue reads Retry-After in seconds or as an HTTP date, capped at
// maxRetryAfterHeader before it is turned into a Duration; 0 if invalid or in the past.
func retryAfterValue(v string, now time.Time) time.Duration {
	if secs, ok := digits(v, uint64(maxRetryAfterHeader/time.Second)); ok {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(strings.TrimSpace(v)); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfterHeader)
		}
	}
	return 0
}
