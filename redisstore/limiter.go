package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/redis/go-redis/v9"
)

// LimiterConfig is the budget the shared limiter assumes for a location until GHL's headers
// say otherwise, and how long an unreported request holds its slot.
type LimiterConfig struct {
	// Max requests per Interval (default ghl.DefaultRateLimit per ghl.DefaultRateWindow).
	// X-RateLimit-Max and X-RateLimit-Interval-Milliseconds replace them for the location, in
	// every process, once a response carries them.
	Max      int
	Interval time.Duration
	// DailyLimit is the daily budget counted until a response reports
	// X-RateLimit-Limit-Daily and X-RateLimit-Daily-Remaining (default ghl.DefaultDailyLimit);
	// 0 leaves the daily budget to the server's headers alone. The day ends at midnight UTC
	// by the Redis server's clock (GHL does not document its reset).
	DailyLimit int
	// MaxPause is the longest a 429's Retry-After makes Wait block; beyond it Wait fails fast
	// with a *ghl.RateLimitError (default ghl.DefaultMaxPause).
	MaxPause time.Duration
	// Lease is how long a request admitted by Wait holds its slot when its process never
	// reports the outcome (it crashed or lost Redis): the slot then counts as used at the
	// lease's end. It must be longer than any single attempt takes (default 2 minutes).
	Lease time.Duration
}

// DefaultLimiterConfig returns GHL's documented default budget and a two-minute lease.
func DefaultLimiterConfig() LimiterConfig {
	return LimiterConfig{
		Max:        ghl.DefaultRateLimit,
		Interval:   ghl.DefaultRateWindow,
		DailyLimit: ghl.DefaultDailyLimit,
		MaxPause:   ghl.DefaultMaxPause,
		Lease:      2 * time.Minute,
	}
}

func (c LimiterConfig) validate() error {
	switch {
	case c.Max < 1:
		return fmt.Errorf("redisstore: limiter Max %d must be at least 1", c.Max)
	case c.Interval < time.Millisecond:
		return fmt.Errorf("redisstore: limiter Interval %v is shorter than a millisecond", c.Interval)
	case c.DailyLimit < 0:
		return fmt.Errorf("redisstore: limiter DailyLimit %d is negative", c.DailyLimit)
	case c.MaxPause < time.Millisecond:
		return fmt.Errorf("redisstore: limiter MaxPause %v is shorter than a millisecond", c.MaxPause)
	case c.Lease < time.Millisecond:
		return fmt.Errorf("redisstore: limiter Lease %v is shorter than a millisecond", c.Lease)
	}
	return nil
}

// Limiter is a ghl.Limiter whose budget lives in Redis, so every process using the same Redis
// and prefix shares one budget per location, as GHL counts it. It keeps the meaning of the
// SDK's in-process limiter (ghl.NewLimiter, the default), with the state where every process
// sees it.
//
// It keeps a sliding-window log per location: a request may go while fewer than Max requests
// are in flight or were answered within the last Interval. A slot is stamped with the time
// its response arrived, which is never earlier than GHL counted the request, so the log never
// lets through a request that GHL's window would refuse, and needs no safety margin. Times
// come from the Redis server's clock (less how long ago the response arrived), so the
// processes' clocks need not agree. Each check and each update is one Lua script, atomic
// across processes; within a process, one waiter per location asks Redis at a time.
//
// From every response it learns, for all processes: the window (X-RateLimit-Max and
// X-RateLimit-Interval-Milliseconds); requests made outside the log (X-RateLimit-Remaining
// lower than the log allows, as after Redis lost its data), whose slots it then holds for a
// window; the daily budget (X-RateLimit-Daily-Remaining), which once spent makes Wait fail at
// once with a *ghl.RateLimitError until midnight UTC; and a 429's Retry-After (or the window),
// which pauses the location. Until the first response for a location, one request at a time
// is sent, so a budget smaller than the configured one causes no 429.
//
// A request whose process dies before reporting its outcome holds its slot until its lease
// (LimiterConfig.Lease) ends, and then for a window.
type Limiter struct {
	rdb    redis.UniversalClient
	store  *Store
	cfg    LimiterConfig
	owner  string // makes reservation IDs unique across processes
	seq    atomic.Uint64
	mu     sync.Mutex
	held   map[string][]string // reservation IDs by location, oldest first
	queues map[string]*queue   // by location, while anyone in this process waits for it
}

// queue holds a process's waiters for one location, served in order by one poller
// goroutine that asks Redis for all of them at once: a crowd polling Redis at the instant a
// slot frees would only delay the request that can have it. The poller exits when the queue
// is empty, so an idle limiter runs nothing.
type queue struct {
	waiters []*waiter
	// idle is signalled when the last waiter gives up, so a poller waiting out a long pause
	// exits at once.
	idle chan struct{}
}

type waiter struct {
	id       string
	done     chan struct{} // closed once granted (err nil) or refused (err set)
	err      error
	canceled bool
}

// Limiter returns the shared rate limiter, for ghl.WithRateLimiter.
func (s *Store) Limiter() *Limiter {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Limiter{
		rdb:    s.rdb,
		store:  s,
		cfg:    s.limits,
		owner:  hex.EncodeToString(b[:]),
		held:   map[string][]string{},
		queues: map[string]*queue{},
	}
}

var _ ghl.Limiter = (*Limiter)(nil)

const (
	// inflightPoll paces the checks while the window is full of requests still in flight,
	// whose end no one can know.
	inflightPoll = 2 * time.Millisecond
	// observeTimeout bounds Observe, which has no context of its own, when Redis hangs.
	observeTimeout = 5 * time.Second
	// releaseTimeout bounds the clean-up of a reservation whose reply was lost.
	releaseTimeout = time.Second
	// reserveTimeout bounds one reserve call when Redis hangs; go-redis's own read timeout
	// normally ends it first.
	reserveTimeout = 10 * time.Second
	// stateTTL keeps a location's learned window and daily budget while it is in use.
	stateTTL = 48 * time.Hour
)

// reserveScript admits requests while the location's window has free slots. It mirrors the
// in-process limiter's admission (windowBudget.admit in the ghl package), with the log in a
// sorted set (receipt times) and the requests in flight in another (lease deadlines), so that
// every process sees them. It takes the IDs of all of a process's waiters at once, so a
// window that opens is filled in one round trip.
// KEYS: log, pending, state. ARGV: default max, default interval (µs), lease (µs), in-flight
// poll (µs), default daily limit, max pause (µs), state TTL (ms), then the reservation IDs.
// Returns {0, wait µs, n}: the first n IDs were admitted, and the others may ask again after
// the wait; {2, reset µs, max, interval µs, daily limit} when the daily budget is spent;
// {3, pause µs, max, interval µs, daily limit} when a 429's pause is longer than MaxPause.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local st = redis.call('HMGET', KEYS[3], 'max', 'interval', 'learned', 'paused', 'dremain', 'dreset', 'dlimit')
local max = tonumber(st[1]) or tonumber(ARGV[1])
local interval = tonumber(st[2]) or tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local poll = tonumber(ARGV[4])
local day = 86400000000
-- A lease that ran out belongs to a process that never reported: count its request as
-- answered at the lease's end.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
if #expired > 0 then
	for i = 1, #expired, 2 do
		redis.call('ZADD', KEYS[1], expired[i + 1], expired[i])
	end
	redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
	-- No report will come to set the log's TTL: set it here, as observeScript does.
	redis.call('PEXPIRE', KEYS[1], math.ceil(interval / 1000) + 1000)
end
local inflight = redis.call('ZCARD', KEYS[2])
local dremain, dreset = tonumber(st[5]), tonumber(st[6])
if not dreset or now >= dreset then
	-- A new day: count from the configured budget until the server says otherwise.
	dremain = nil
	redis.call('HDEL', KEYS[3], 'dremain', 'dreset', 'dlimit')
	local daily = tonumber(ARGV[5])
	if daily > 0 then
		dremain, dreset = daily - inflight, (math.floor(now / day) + 1) * day
		redis.call('HSET', KEYS[3], 'dremain', dremain, 'dreset', dreset, 'dlimit', daily)
		redis.call('PEXPIRE', KEYS[3], ARGV[7])
	end
end
local dlimit = tonumber(st[7]) or tonumber(ARGV[5])
if dremain and dremain <= 0 then
	return {2, dreset - now, max, interval, dlimit}
end
local paused = tonumber(st[4])
if paused and now < paused then
	if paused - now > tonumber(ARGV[6]) then
		return {3, paused - now, max, interval, dlimit}
	end
	return {0, paused - now, 0}
end
local want = #ARGV - 7
-- Before the first response only one request goes, so a budget below the default is not
-- overrun by the first burst.
if st[3] ~= '1' then
	if inflight > 0 then
		return {0, poll, 0}
	end
	want = math.min(want, 1)
end
-- Receipts stay a second window, for observeScript's count of what the server may know.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - 2 * interval))
local since = '(' .. string.format('%.0f', now - interval)
local logged = redis.call('ZCOUNT', KEYS[1], since, '+inf')
local used = logged + inflight
local n = 0
while n < want and used < max and (not dremain or n < dremain) do
	n = n + 1
	used = used + 1
	redis.call('ZADD', KEYS[2], now + lease, ARGV[7 + n])
end
if n > 0 then
	redis.call('PEXPIRE', KEYS[2], math.ceil((lease + interval) / 1000))
	if dremain then
		redis.call('HINCRBY', KEYS[3], 'dremain', -n)
	end
end
if n == #ARGV - 7 or (dremain and n >= dremain) then
	return {0, 1, n}
end
if used < max then
	-- Only the probe rule held the others back.
	return {0, poll, n}
end
-- The k oldest receipts must leave the window before a slot is free; requests in flight
-- free nothing by time, so with too few receipts poll until one is answered.
local k = used - max + 1
if k <= logged then
	local e = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', k - 1, 1)
	return {0, math.max(1, tonumber(e[2]) + interval - now + 1), n}
end
return {0, poll, n}
`)

// observeScript records the outcome of a reserved request and what its headers said. It
// mirrors the in-process limiter's windowBudget.observe (in the ghl package). The slot is
// stamped with the receipt time on the Redis server's clock: its time now less how long ago
// the response arrived, which only ever errs late, as a stamp may.
// KEYS: log, pending, state. ARGV: reservation id, notSent (0/1), responded (0/1), status,
// max, interval (µs), remaining (-1: absent), daily limit, daily remaining (-1: absent),
// retry after (µs), default interval (µs), state TTL (ms), time since receipt (µs), lease (µs).
var observeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rcv = now - math.max(0, tonumber(ARGV[13]))
local removed, admitted = 0, nil
if ARGV[1] ~= '' then
	local deadline = redis.call('ZSCORE', KEYS[2], ARGV[1])
	if deadline then
		admitted = tonumber(deadline) - tonumber(ARGV[14])
		removed = redis.call('ZREM', KEYS[2], ARGV[1])
	end
end
if ARGV[2] == '1' then
	if removed == 1 and redis.call('HEXISTS', KEYS[3], 'dremain') == 1 then
		redis.call('HINCRBY', KEYS[3], 'dremain', 1)
	end
	return 0
end
if removed == 1 then
	redis.call('ZADD', KEYS[1], rcv, ARGV[1])
end
if ARGV[3] == '1' then
	redis.call('HSET', KEYS[3], 'learned', '1')
end
local max = tonumber(ARGV[5])
local interval = tonumber(ARGV[6])
if max > 0 then
	redis.call('HSET', KEYS[3], 'max', max)
else
	max = tonumber(redis.call('HGET', KEYS[3], 'max'))
end
if interval > 0 then
	redis.call('HSET', KEYS[3], 'interval', interval)
else
	interval = tonumber(redis.call('HGET', KEYS[3], 'interval')) or tonumber(ARGV[11])
end
local dlimit = tonumber(ARGV[8])
local dremain = tonumber(ARGV[9])
if dlimit > 0 and dremain >= 0 then
	local day = 86400000000
	redis.call('HSET', KEYS[3], 'dremain', dremain - redis.call('ZCARD', KEYS[2]),
		'dreset', (math.floor(now / day) + 1) * day, 'dlimit', dlimit)
end
if ARGV[4] == '429' then
	local pause = tonumber(ARGV[10])
	if pause <= 0 then
		pause = interval
	end
	local paused = tonumber(redis.call('HGET', KEYS[3], 'paused'))
	if not paused or rcv + pause > paused then
		redis.call('HSET', KEYS[3], 'paused', rcv + pause)
	end
else
	local remaining = tonumber(ARGV[7])
	if max and remaining >= 0 and admitted and admitted > now - interval then
		-- The server has counted max-remaining requests, when this one reached it (after it
		-- was admitted). Of this log's, it can only have counted those in flight and those
		-- received less than a window before the admission (a receipt follows the server's
		-- count). Any more were sent by someone else (or before Redis lost its data): hold
		-- their slots for a window. The cap keeps one script short (Redis runs nothing else
		-- meanwhile) under a huge limit.
		local known = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', admitted - interval), '+inf') +
			redis.call('ZCARD', KEYS[2])
		for i = 1, math.min(max - remaining - known, 1000) do
			redis.call('ZADD', KEYS[1], rcv, 'x:' .. t[1] .. '.' .. t[2] .. ':' .. i)
		end
	end
end
redis.call('PEXPIRE', KEYS[1], math.ceil(interval / 1000) + 1000)
redis.call('PEXPIRE', KEYS[3], ARGV[12])
return 0
`)

// Wait blocks until a request for the location key may be sent without exceeding its budget,
// or until ctx is done. It fails at once with a *ghl.RateLimitError when the daily budget is
// spent or a 429's pause is longer than MaxPause, and with an error naming the operation when
// Redis cannot be reached.
func (l *Limiter) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &waiter{id: l.owner + ":" + strconv.FormatUint(l.seq.Add(1), 36), done: make(chan struct{})}
	l.mu.Lock()
	q := l.queues[key]
	if q == nil {
		q = &queue{idle: make(chan struct{}, 1)}
		l.queues[key] = q
		go l.serve(key, q)
	}
	q.waiters = append(q.waiters, w)
	l.mu.Unlock()
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
	}
	l.mu.Lock()
	select {
	case <-w.done:
		l.mu.Unlock()
		if w.err == nil {
			// Granted as ctx ended: give the slot back.
			l.unhold(key, w.id)
			l.release(l.store.limitKeys(key), w.id)
		}
	default:
		w.canceled = true
		q.waiters = without(q.waiters, w)
		if len(q.waiters) == 0 {
			select {
			case q.idle <- struct{}{}:
			default:
			}
		}
		l.mu.Unlock()
	}
	return ctx.Err()
}

// maxBatch bounds the IDs sent in one reserve call.
const maxBatch = 128

// serve asks Redis for slots for key's waiters until none is left.
func (l *Limiter) serve(key string, q *queue) {
	keys := l.store.limitKeys(key)
	args := make([]any, 0, 7+maxBatch)
	for {
		l.mu.Lock()
		if len(q.waiters) == 0 {
			delete(l.queues, key)
			l.mu.Unlock()
			return
		}
		batch := append([]*waiter(nil), q.waiters[:min(len(q.waiters), maxBatch)]...)
		l.mu.Unlock()

		args = append(args[:0], l.cfg.Max, micros(l.cfg.Interval), micros(l.cfg.Lease), micros(inflightPoll),
			l.cfg.DailyLimit, micros(l.cfg.MaxPause), stateTTL.Milliseconds())
		for _, w := range batch {
			args = append(args, w.id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), reserveTimeout)
		res, err := reserveScript.Run(ctx, l.rdb, keys, args...).Int64Slice()
		cancel()
		if err == nil && len(res) < 3 {
			err = fmt.Errorf("unexpected reply %v from the reserve script", res)
		}
		if err != nil {
			l.refuse(q, batch, opError(fmt.Sprintf("reserving a request in the rate limit of %q", key), err))
			// The script may have run before the reply was lost: give back what it reserved.
			ids := make([]string, len(batch))
			for i, w := range batch {
				ids[i] = w.id
			}
			l.release(keys, ids...)
			continue
		}
		if res[0] != 0 {
			// The daily budget is spent, or a long pause is in force: every waiter gets it.
			l.mu.Lock()
			all := append([]*waiter(nil), q.waiters...)
			l.mu.Unlock()
			l.refuse(q, all, nil, res...)
			continue
		}
		n := int(res[2])
		var unused []string
		l.mu.Lock()
		for _, w := range batch[:min(n, len(batch))] {
			if w.canceled {
				unused = append(unused, w.id)
				continue
			}
			q.waiters = without(q.waiters, w)
			l.held[key] = append(l.held[key], w.id)
			close(w.done)
		}
		l.mu.Unlock()
		l.release(keys, unused...)
		if n < len(batch) {
			t := time.NewTimer(time.Duration(max(res[1], 1)) * time.Microsecond)
			select {
			case <-t.C:
			case <-q.idle:
				t.Stop()
			}
		}
	}
}

// refuse ends the waits of ws that are still queued, with err or the *ghl.RateLimitError that
// a reserve reply {code, µs, max, interval µs, daily limit} describes.
func (l *Limiter) refuse(q *queue, ws []*waiter, err error, res ...int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range ws {
		if w.canceled {
			continue
		}
		q.waiters = without(q.waiters, w)
		w.err = err
		if err == nil {
			e := &ghl.RateLimitError{Daily: res[0] == 2}
			if len(res) >= 5 {
				e.RetryAfter = time.Duration(res[1]) * time.Microsecond
				e.RateLimit = ghl.RateLimit{Max: int(res[2]), Interval: time.Duration(res[3]) * time.Microsecond,
					DailyLimit: int(res[4]), Present: true}
			}
			w.err = e
		}
		close(w.done)
	}
}

func without(ws []*waiter, w *waiter) []*waiter {
	for i, x := range ws {
		if x == w {
			return append(ws[:i], ws[i+1:]...)
		}
	}
	return ws
}

// unhold forgets a reservation that will not be observed.
func (l *Limiter) unhold(key, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.held[key]
	for i, x := range q {
		if x == id {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(l.held, key)
	} else {
		l.held[key] = q
	}
}

// releaseScript returns reservations that will not be used, with their daily units.
// KEYS: log, pending, state. ARGV: reservation IDs.
var releaseScript = redis.NewScript(`
local n = redis.call('ZREM', KEYS[2], unpack(ARGV))
if n > 0 and redis.call('HEXISTS', KEYS[3], 'dremain') == 1 then
	redis.call('HINCRBY', KEYS[3], 'dremain', n)
end
return n
`)

// release returns reservations that Wait will not hand out, best effort: one whose reply was
// lost, or one granted as its waiter gave up. A reservation left behind only holds its slot
// until its lease ends.
func (l *Limiter) release(keys []string, ids ...string) {
	if len(ids) == 0 {
		return
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_ = releaseScript.Run(ctx, l.rdb, keys, args...).Err()
}

// Observe records the outcome of an attempt that Wait admitted. If Redis cannot be reached
// the outcome is lost, and the request's slot stays taken until its lease ends: the budget
// errs on the safe side.
func (l *Limiter) Observe(key string, obs ghl.Observation) {
	l.mu.Lock()
	var id string
	if q := l.held[key]; len(q) > 0 {
		// Any of this process's requests in flight for the key will do: the slots are alike.
		id = q[0]
		if len(q) == 1 {
			delete(l.held, key)
		} else {
			l.held[key] = q[1:]
		}
	}
	l.mu.Unlock()
	rl := obs.RateLimit
	remaining, dailyRemaining := int64(-1), int64(-1)
	if rl.Present && rl.Max > 0 {
		remaining = int64(rl.Remaining)
	}
	if rl.Present && rl.DailyLimit > 0 {
		dailyRemaining = int64(rl.DailyRemaining)
	}
	var lag int64
	if !obs.Received.IsZero() {
		lag = micros(time.Since(obs.Received))
	}
	ctx, cancel := context.WithTimeout(context.Background(), observeTimeout)
	defer cancel()
	err := observeScript.Run(ctx, l.rdb, l.store.limitKeys(key), id, flag(obs.NotSent),
		flag(obs.Err == nil || obs.StatusCode != 0), obs.StatusCode, rl.Max, micros(rl.Interval),
		remaining, rl.DailyLimit, dailyRemaining, micros(obs.RetryAfter), micros(l.cfg.Interval),
		stateTTL.Milliseconds(), lag, micros(l.cfg.Lease)).Err()
	if err != nil && l.store.logger != nil {
		l.store.logger.Warn("redisstore: recording a request in the rate limit failed; its slot is held until its lease ends",
			"location", key, "error", err.Error())
	}
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func micros(d time.Duration) int64 { return d.Microseconds() }
