package ghl

import (
	"context"
	"fmt"
	"net/http"
	"sort"
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

// windowBudget is one location's budget as the default limiter models it: a sliding-window
// log of at most limit requests per window, where a request occupies a slot from the moment it
// is admitted until window after its response was received, plus the daily budget. It is pure
// state with no locking, timers or clock of its own (every method takes the time). The zero
// value is not usable: set limit and window.
type windowBudget struct {
	limit  int           // requests per window; updated from X-RateLimit-Max
	window time.Duration // updated from X-RateLimit-Interval-Milliseconds
	// dailyLimit is the daily budget counted locally until the server reports one; 0: none.
	dailyLimit int
	// resetIn is the zone whose midnight ends the day (nil: UTC).
	resetIn *time.Location
	// maxPause is the longest wait admit asks the caller to wait out; beyond it admit fails
	// fast (0: no limit).
	maxPause time.Duration
	// inFlight counts requests admitted and not yet observed.
	inFlight int

	// buf holds the log in buf[start:], in ascending order of receipt time (ns since base);
	// the window ending at the last time asked about starts at buf[cursor]. An entry stands
	// for one request or more: requests the server counted and this process did not send are
	// one entry, however many a header says there were.
	buf    []stamp
	start  int
	cursor int
	cum0   int64 // requests counted before buf[0]
	base   time.Time

	pausedUntil time.Time
	learned     bool // a response has been observed, so limit and window are the server's
	last        RateLimit

	dailyKnown bool
	dailyAvail int       // daily requests left, not counting inFlight
	dayEnd     time.Time // when dailyAvail stops applying
}

// stamp is an entry of the log: requests received at at, and cum, the count of requests
// in the log up to and including this entry, so a count over a range is a subtraction.
type stamp struct {
	at  int64
	cum int64
}

// admit reserves a slot for a request to be sent at now; see check.
func (b *windowBudget) admit(now time.Time) (ok bool, retryIn time.Duration, err error) {
	ok, retryIn, err = b.check(now)
	if ok {
		b.inFlight++
		if b.dailyKnown {
			b.dailyAvail--
		}
	}
	return ok, retryIn, err
}

// check reports whether a request may be sent at now. Otherwise, with a nil error, retryIn
// says when to ask again (0: after the next observe, because only in-flight requests fill the
// window); with a non-nil error (a *RateLimitError) the caller should give up: the daily
// budget is spent, or the wait is longer than maxPause. Before the first response only one
// request is let in flight, so a location whose limit is below the default is not overrun by
// the first burst.
func (b *windowBudget) check(now time.Time) (ok bool, retryIn time.Duration, err error) {
	b.rollDay(now)
	if b.dailyKnown && b.dailyAvail <= 0 {
		return false, 0, &RateLimitError{RetryAfter: b.dayEnd.Sub(now), RateLimit: b.last, Daily: true}
	}
	if d := b.pausedUntil.Sub(now); d > 0 {
		return false, d, b.tooLong(d)
	}
	if !b.learned && b.inFlight > 0 {
		return false, 0, nil
	}
	first := b.windowStart(now)
	before := b.before(first)
	n := int(b.total() - before)
	if n+b.inFlight < b.limit {
		return true, 0, nil
	}
	// The k oldest requests must leave the window before one slot is free; in-flight ones
	// free nothing by time.
	k := n + b.inFlight - b.limit + 1
	if k > n {
		return false, 0, nil
	}
	target := before + int64(k)
	j := first + sort.Search(len(b.buf)-first, func(i int) bool { return b.buf[first+i].cum >= target })
	at := b.buf[j].at + int64(b.window)
	d := max(time.Duration(at-b.off(now)), time.Nanosecond)
	return false, d, b.tooLong(d)
}

// tooLong returns the *RateLimitError for a wait over maxPause, or nil.
func (b *windowBudget) tooLong(d time.Duration) error {
	if b.maxPause > 0 && d > b.maxPause {
		return &RateLimitError{RetryAfter: d, RateLimit: b.last}
	}
	return nil
}

// cancel returns a reservation that admit granted and that will not be sent.
func (b *windowBudget) cancel() {
	if b.inFlight > 0 {
		b.inFlight--
		if b.dailyKnown {
			b.dailyAvail++
		}
	}
}

// observe records the outcome of an admitted request: its slot is stamped with obs.Received
// (now if zero), and the headers update the limit, the window, the count of requests the
// server knows about and the daily budget. A 429 pauses the budget for obs.RetryAfter, or for
// the window when the server gave none.
func (b *windowBudget) observe(obs Observation, now time.Time) {
	if obs.NotSent {
		b.cancel()
		return
	}
	if b.inFlight > 0 {
		b.inFlight--
	}
	if obs.Err == nil || obs.StatusCode != 0 {
		b.learned = true
	}
	r := obs.Received
	if r.IsZero() {
		r = now
	}
	b.insert(b.off(r), 1)
	rl := obs.RateLimit
	if rl.Present {
		b.last = rl
	}
	if rl.Max > 0 {
		b.limit = rl.Max
	}
	if rl.Interval > 0 {
		b.window = rl.Interval
	}
	if rl.DailyLimit > 0 {
		b.rollDay(r)
		b.dailyKnown = true
		b.dailyAvail = rl.DailyRemaining - b.inFlight
		b.dayEnd = nextDailyReset(r, b.resetIn)
	}
	if obs.StatusCode == http.StatusTooManyRequests {
		pause := obs.RetryAfter
		if pause <= 0 {
			pause = b.window
		}
		if until := r.Add(pause); until.After(b.pausedUntil) {
			b.pausedUntil = until
		}
		return
	}
	if rl.Max > 0 {
		// The server has counted limit-Remaining requests when this one arrived, at or after
		// Sent, so its window started no earlier than Sent-window. Any request of ours it
		// counted is in flight or was received after that; those it counted beyond them were
		// sent by someone else, and are assumed to expire a window after this receipt.
		// Stamps are kept for two windows, so the count is exact for round trips up to one.
		since := r
		if !obs.Sent.IsZero() && obs.Sent.Before(r) {
			since = obs.Sent
		}
		if lo := r.Add(-b.window); since.Before(lo) {
			since = lo
		}
		known := b.countAfter(b.off(since)-int64(b.window)) + b.inFlight
		if extra := b.limit - rl.Remaining - known; extra > 0 {
			b.insert(b.off(r), int64(extra))
		}
	}
}

// idle reports whether forgetting the budget loses nothing that matters: nothing in flight,
// nothing in the window, no pause and no spent daily budget.
func (b *windowBudget) idle(now time.Time) bool {
	return b.inFlight == 0 && b.windowStart(now) == len(b.buf) && !b.pausedUntil.After(now) &&
		!(b.dailyKnown && b.dailyAvail <= 0 && now.Before(b.dayEnd))
}

// used returns how many slots of the current window are taken (in flight or received within
// the window).
func (b *windowBudget) used(now time.Time) int {
	first := b.windowStart(now)
	return int(b.total()-b.before(first)) + b.inFlight
}

// dailyRemaining returns the daily requests left and whether the budget knows it.
func (b *windowBudget) dailyRemaining(now time.Time) (int, bool) {
	b.rollDay(now)
	return b.dailyAvail, b.dailyKnown
}

// rollDay starts a new day's count once the old one has ended.
func (b *windowBudget) rollDay(now time.Time) {
	if b.dailyKnown && now.Before(b.dayEnd) {
		return
	}
	b.dailyKnown = false
	if b.dailyLimit > 0 {
		b.dailyKnown = true
		b.dailyAvail = b.dailyLimit - b.inFlight
		b.dayEnd = nextDailyReset(now, b.resetIn)
	}
}

func (b *windowBudget) off(t time.Time) int64 {
	if b.base.IsZero() {
		b.base = t
	}
	return int64(t.Sub(b.base))
}

// before returns how many requests the log holds before buf[i].
func (b *windowBudget) before(i int) int64 {
	if i == 0 {
		return b.cum0
	}
	return b.buf[i-1].cum
}

// total returns how many requests the log holds up to its last entry.
func (b *windowBudget) total() int64 { return b.before(len(b.buf)) }

// windowStart returns the index in buf of the first entry inside the window that ends at now.
// It drops entries older than two windows: the second window is kept so that observe can tell
// which requests the server still counted when a request sent a while ago arrived. The
// window's start is a cursor that moves with time, so this is O(1) however long the log is.
func (b *windowBudget) windowStart(now time.Time) int {
	t := b.off(now)
	cut := t - 2*int64(b.window)
	for b.start < len(b.buf) && b.buf[b.start].at <= cut {
		b.start++
	}
	if b.start == len(b.buf) {
		b.buf, b.start, b.cursor, b.cum0 = b.buf[:0], 0, 0, 0
		return 0
	}
	edge := t - int64(b.window)
	c := max(b.cursor, b.start)
	for c < len(b.buf) && b.buf[c].at <= edge {
		c++
	}
	for c > b.start && b.buf[c-1].at > edge { // now may step back a little between callers
		c--
	}
	b.cursor = c
	return c
}

// countAfter returns how many requests in the log were received later than t (a binary
// search: entries are sorted).
func (b *windowBudget) countAfter(t int64) int {
	lo := b.start + sort.Search(len(b.buf)-b.start, func(i int) bool { return b.buf[b.start+i].at > t })
	return int(b.total() - b.before(lo))
}

// insert logs n requests received at t, in order; receipts almost always arrive in order, so
// this is O(1). When the buffer is full, entries that left are dropped: in place when they are
// at least half of it, otherwise into a buffer twice the size of what is kept, so each entry
// is copied O(1) times on average.
func (b *windowBudget) insert(t, n int64) {
	if len(b.buf) == cap(b.buf) {
		keep := len(b.buf) - b.start
		b.cum0 = b.before(b.start)
		if b.start >= keep {
			copy(b.buf, b.buf[b.start:])
			b.buf = b.buf[:keep]
		} else {
			nb := make([]stamp, keep, max(2*keep, 16))
			copy(nb, b.buf[b.start:])
			b.buf = nb
		}
		b.cursor -= b.start
		b.start = 0
	}
	last := len(b.buf) - 1
	if last < b.start || b.buf[last].at <= t {
		if last >= b.start && b.buf[last].at == t {
			b.buf[last].cum += n
			return
		}
		b.buf = append(b.buf, stamp{at: t, cum: b.total() + n})
		return
	}
	i := last
	for i > b.start && b.buf[i-1].at > t {
		i--
	}
	b.buf = append(b.buf, stamp{})
	copy(b.buf[i+1:], b.buf[i:last+1])
	for j := i + 1; j < len(b.buf); j++ {
		b.buf[j].cum += n
	}
	b.buf[i] = stamp{at: t, cum: b.before(i) + n}
	if i < b.cursor {
		b.cursor++ // an older entry went in before the window's start
	}
}

// nextDailyReset returns the end of the day that contains now: the next midnight in loc
// (nil: UTC). GHL does not document its reset time; midnight UTC is the assumption.
func nextDailyReset(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}
