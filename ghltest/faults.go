package ghltest

import (
	"bytes"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// FaultConfig injects failures, drawn from the server's seed (WithSeed) so a run can be
// repeated: a request's fault depends on the seed, its operation and how many requests to
// that operation came before it. Every fault is decided when the request arrives, before any
// check or handler runs; the answers carry the location's real rate-limit headers. The
// kinds differ in whether the request takes effect, which is what a client's retry logic must
// get right:
//
//   - ServerErrors and Resets happen before the request is handled: nothing is applied, so
//     resending is always safe.
//   - AfterWrite lets the request be handled (a create creates, an update updates) and then
//     replaces the response with a 500 or a connection reset. The client cannot tell it from
//     the first kind; only a request that is safe to repeat (an upsert, a PUT) may be resent
//     blindly. This is the kind that makes "retries never duplicate a write" testable.
//   - Storms answer every request with 429 (X-RateLimit-Remaining: 0) for a while, without
//     handling it, as when another app or process has spent the location's window.
//   - Latency delays the request before it is handled.
//
// Fractions are per request and between 0 and 1; ServerErrors, Resets and AfterWrite are
// exclusive (their sum should stay at or below 1), latency and storms are drawn on their own.
type FaultConfig struct {
	ServerErrors float64 // answered 500, 502, 503 or 504, not handled
	Resets       float64 // connection reset (closed with RST), not handled
	AfterWrite   float64 // handled, then answered 500 (half) or reset (half)

	LatencyRate float64       // fraction delayed
	Latency     time.Duration // the delay is uniform in [0, Latency]

	Storms      float64       // chance that a request starts a 429 storm
	StormLength time.Duration // how long a storm lasts (default 1 s)
	// StormRetryAfter adds Retry-After (whole seconds) to storm 429s; without it a client must
	// fall back to X-RateLimit-Interval-Milliseconds.
	StormRetryAfter bool

	// Match limits all faults to the requests it accepts (nil: every request).
	Match func(r *http.Request) bool
	// AfterWriteMatch further limits AfterWrite faults (nil: every request Match accepts).
	AfterWriteMatch func(r *http.Request) bool
}

// WithFaults makes the server inject the faults cfg describes. By default it injects none.
func WithFaults(cfg FaultConfig) ServerOption {
	return func(c *config) { c.faults = cfg }
}

// FaultStats counts the faults a server has injected.
type FaultStats struct {
	ServerErrors     int `json:"serverErrors"`     // 5xx before handling
	Resets           int `json:"resets"`           // resets before handling
	AfterWriteErrors int `json:"afterWriteErrors"` // 500 after handling
	AfterWriteResets int `json:"afterWriteResets"` // resets after handling
	Delayed          int `json:"delayed"`          // requests delayed by Latency
	Storms           int `json:"storms"`           // storms started
	StormRejections  int `json:"stormRejections"`  // 429s sent during storms
	Connections      int `json:"connections"`      // connections the server accepted
}

type faultKind int

const (
	faultNone faultKind = iota
	faultServerError
	faultReset
	faultAfterWriteError
	faultAfterWriteReset
	faultStorm
)

type faultDecision struct {
	kind   faultKind
	status int           // for faultServerError
	delay  time.Duration // latency before handling
	retry  time.Duration // for faultStorm: time left in the storm
}

type faultState struct {
	cfg     FaultConfig
	enabled bool
	seed    uint64

	mu         sync.Mutex
	seq        map[string]uint64 // requests drawn so far, by route
	stormUntil time.Time
	stats      FaultStats
}

func (f *faultState) init(cfg FaultConfig, seed int64) {
	if cfg.StormLength <= 0 {
		cfg.StormLength = time.Second
	}
	f.cfg = cfg
	f.enabled = cfg.ServerErrors > 0 || cfg.Resets > 0 || cfg.AfterWrite > 0 ||
		(cfg.LatencyRate > 0 && cfg.Latency > 0) || cfg.Storms > 0
	f.seed = uint64(seed)
	f.seq = map[string]uint64{}
}

// decide draws the fate of one request from the seed, its route and its place among that
// route's requests, so two clients that send the same operations in the same order per
// operation meet the same faults, however they interleave or retry other operations.
func (f *faultState) decide(rt *route, r *http.Request, now time.Time) faultDecision {
	var d faultDecision
	if !f.enabled || f.cfg.Match != nil && !f.cfg.Match(r) {
		return d
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := rt.key()
	f.seq[key]++
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	rng := rand.New(rand.NewPCG(f.seed^h.Sum64(), f.seq[key]))
	if f.cfg.LatencyRate > 0 && f.cfg.Latency > 0 && rng.Float64() < f.cfg.LatencyRate {
		d.delay = time.Duration(rng.Int64N(int64(f.cfg.Latency) + 1))
		f.stats.Delayed++
	}
	if now.Before(f.stormUntil) {
		d.kind, d.retry = faultStorm, f.stormUntil.Sub(now)
		f.stats.StormRejections++
		return d
	}
	if f.cfg.Storms > 0 && rng.Float64() < f.cfg.Storms {
		f.stormUntil = now.Add(f.cfg.StormLength)
		f.stats.Storms++
		f.stats.StormRejections++
		d.kind, d.retry = faultStorm, f.cfg.StormLength
		return d
	}
	u := rng.Float64()
	switch {
	case u < f.cfg.ServerErrors:
		d.kind = faultServerError
		d.status = [...]int{500, 502, 503, 504}[rng.IntN(4)]
		f.stats.ServerErrors++
	case u < f.cfg.ServerErrors+f.cfg.Resets:
		d.kind = faultReset
		f.stats.Resets++
	case u < f.cfg.ServerErrors+f.cfg.Resets+f.cfg.AfterWrite && (f.cfg.AfterWriteMatch == nil || f.cfg.AfterWriteMatch(r)):
		if rng.IntN(2) == 0 {
			d.kind = faultAfterWriteError
			f.stats.AfterWriteErrors++
		} else {
			d.kind = faultAfterWriteReset
			f.stats.AfterWriteResets++
		}
	}
	return d
}

func (f *faultState) uncount(kind faultKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if kind == faultAfterWriteReset {
		f.stats.AfterWriteResets--
	} else {
		f.stats.AfterWriteErrors--
	}
}

// resetConn closes the request's connection with a TCP RST, so the client gets no response.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (f *faultState) connState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		f.mu.Lock()
		f.stats.Connections++
		f.mu.Unlock()
	}
}

// Faults returns the faults injected so far.
func (s *Server) Faults() FaultStats {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.stats
}

// discardWriter is the response writer of a request whose answer an after-write fault
// replaces.
type discardWriter struct {
	h    http.Header
	body bytes.Buffer
	code int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discardWriter) Write(b []byte) (int, error) { return d.body.Write(b) }
