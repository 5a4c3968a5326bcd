package ghl

import (
	"net/http"
	"sort"
	"time"
)

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
