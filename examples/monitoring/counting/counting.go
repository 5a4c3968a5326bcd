// Package counting is a ghl.Observer that keeps running totals in memory, for an operator's
// dashboard: examples/monitoring publishes them with expvar. Copy it into your service and
// adapt it: the SDK reports the events, you choose what to keep.
package counting

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

var _ ghl.Observer = (*Observer)(nil)

// Observer is a ghl.Observer that keeps running totals in memory: requests by status,
// retries by reason, rate-limit waits, token refreshes, webhooks by outcome, and per location
// the requests, the time waited and the daily budget GHL last reported. Read them with Counts:
// examples/monitoring publishes them with expvar, a Prometheus collector would too. The zero value is
// ready to use; it is safe for concurrent use, and the global totals are lock-free, so it can
// see every request.
type Observer struct {
	attempts atomic.Int64
	byStatus [maxCountedStatus + 1]atomic.Int64 // index 0: no response; out of range: maxCountedStatus

	retries  atomic.Int64
	byReason [len(retryReasons) + 1]atomic.Int64 // last: a reason not listed

	waits  atomic.Int64
	waited atomic.Int64 // nanoseconds

	refreshOK     atomic.Int64
	refreshFailed atomic.Int64

	webhooks   [len(webhookOutcomes) + 1]atomic.Int64 // last: an outcome not listed
	rejections [len(webhookRejections)]atomic.Int64

	mu        sync.Mutex
	locations map[string]*LocationCounts
}

const maxCountedStatus = 599

var (
	retryReasons      = [...]string{ghl.RetryReasonTransport, ghl.RetryReasonRateLimited, ghl.RetryReasonServer, ghl.RetryReasonTimeout, ghl.RetryReasonUnauthorized}
	webhookOutcomes   = [...]string{ghl.WebhookAccepted, ghl.WebhookRejected, ghl.WebhookDuplicate, ghl.WebhookFailed, ghl.WebhookInFlight}
	webhookRejections = [...]string{ghl.WebhookRejectMissingSignature, ghl.WebhookRejectInvalidSignature, ghl.WebhookRejectStale,
		ghl.WebhookRejectTooLarge, ghl.WebhookRejectMalformed, ghl.WebhookRejectOther}
)

// Counts is a snapshot of a Observer. Maps hold only non-zero entries.
type Counts struct {
	Attempts int64 // HTTP attempts, retries included
	// AttemptsByStatus counts attempts by HTTP status; key 0 counts attempts that got no
	// response (a transport error).
	AttemptsByStatus map[int]int64
	Retries          int64
	RetriesByReason  map[string]int64 // keyed by the RetryReason constants
	RateLimitWaits   int64            // attempts that waited for the rate limiter
	RateLimitWaited  time.Duration    // total time those attempts waited
	TokenRefreshes   int64            // token requests that succeeded (all kinds)
	// TokenRefreshFailures counts token requests that failed; each one was also logged at
	// warn level.
	TokenRefreshFailures int64
	Webhooks             map[string]int64 // deliveries by WebhookOutcome
	WebhookRejections    map[string]int64 // rejected deliveries by WebhookRejection reason
	// Locations holds per-location figures, keyed by location ID ("" for a client without one).
	Locations map[string]LocationCounts
}

// LocationCounts are a Observer's figures for one location.
type LocationCounts struct {
	Attempts        int64
	RateLimitWaited time.Duration
	// DailyLimit and DailyRemaining are the daily budget and what is left of it, as the last
	// response that carried X-RateLimit-Limit-Daily and X-RateLimit-Daily-Remaining said
	// (both 0 until one did).
	DailyLimit     int
	DailyRemaining int
}

// OnAttempt implements Observer.
func (c *Observer) OnAttempt(_ context.Context, info ghl.AttemptInfo) {
	c.attempts.Add(1)
	s := info.StatusCode
	if s < 0 || s > maxCountedStatus {
		s = maxCountedStatus
	}
	c.byStatus[s].Add(1)
	c.mu.Lock()
	l := c.location(info.LocationID)
	l.Attempts++
	if rl := info.RateLimit; rl.DailyLimit > 0 {
		l.DailyLimit, l.DailyRemaining = rl.DailyLimit, rl.DailyRemaining
	}
	c.mu.Unlock()
}

// location returns id's counters; c.mu must be held.
func (c *Observer) location(id string) *LocationCounts {
	l := c.locations[id]
	if l == nil {
		if c.locations == nil {
			c.locations = map[string]*LocationCounts{}
		}
		l = &LocationCounts{}
		c.locations[id] = l
	}
	return l
}

// OnRetry implements Observer.
func (c *Observer) OnRetry(_ context.Context, info ghl.RetryInfo) {
	c.retries.Add(1)
	c.byReason[indexOf(retryReasons[:], info.Reason)].Add(1)
}

// OnRateLimitWait implements Observer.
func (c *Observer) OnRateLimitWait(_ context.Context, info ghl.RateLimitWaitInfo) {
	c.waits.Add(1)
	c.waited.Add(int64(info.Waited))
	c.mu.Lock()
	c.location(info.LocationID).RateLimitWaited += info.Waited
	c.mu.Unlock()
}

// OnTokenRefresh implements Observer.
func (c *Observer) OnTokenRefresh(_ context.Context, info ghl.TokenRefreshInfo) {
	if info.Err != nil {
		c.refreshFailed.Add(1)
		return
	}
	c.refreshOK.Add(1)
}

// OnWebhook implements Observer.
func (c *Observer) OnWebhook(_ context.Context, info ghl.WebhookInfo) {
	c.webhooks[indexOf(webhookOutcomes[:], info.Outcome)].Add(1)
	if info.Outcome == ghl.WebhookRejected {
		c.rejections[indexOf(webhookRejections[:len(webhookRejections)-1], ghl.WebhookRejection(info.Err))].Add(1)
	}
}

// indexOf returns v's index in list, or len(list) when it is not there.
func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return len(list)
}

// Counts returns a snapshot of the totals. Figures taken while events are being reported may
// be a few events apart from one another.
func (c *Observer) Counts() Counts {
	out := Counts{
		Attempts:             c.attempts.Load(),
		AttemptsByStatus:     map[int]int64{},
		Retries:              c.retries.Load(),
		RetriesByReason:      map[string]int64{},
		RateLimitWaits:       c.waits.Load(),
		RateLimitWaited:      time.Duration(c.waited.Load()),
		TokenRefreshes:       c.refreshOK.Load(),
		TokenRefreshFailures: c.refreshFailed.Load(),
		Webhooks:             map[string]int64{},
		WebhookRejections:    map[string]int64{},
		Locations:            map[string]LocationCounts{},
	}
	for s := range c.byStatus {
		if n := c.byStatus[s].Load(); n > 0 {
			out.AttemptsByStatus[s] = n
		}
	}
	for i := range c.byReason {
		if n := c.byReason[i].Load(); n > 0 {
			out.RetriesByReason[labelAt(retryReasons[:], i)] = n
		}
	}
	for i := range c.webhooks {
		if n := c.webhooks[i].Load(); n > 0 {
			out.Webhooks[labelAt(webhookOutcomes[:], i)] = n
		}
	}
	for i := range c.rejections {
		if n := c.rejections[i].Load(); n > 0 {
			out.WebhookRejections[webhookRejections[i]] = n
		}
	}
	c.mu.Lock()
	for id, l := range c.locations {
		out.Locations[id] = *l
	}
	c.mu.Unlock()
	return out
}

func labelAt(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return "other"
}
