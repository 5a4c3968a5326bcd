package ghl

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Observer receives typed events for what the SDK does, so that users can feed Prometheus,
// OpenTelemetry or expvar without the SDK depending on any of them. Embed NopObserver to
// implement only the methods you need; new methods added later then keep compiling.
// Methods are called synchronously on the request's goroutine and must be quick and safe for
// concurrent use.
type Observer interface {
	// OnAttempt is called after every HTTP attempt, retries included.
	OnAttempt(ctx context.Context, info AttemptInfo)
	// OnRetry is called before an attempt that retries an earlier one.
	OnRetry(ctx context.Context, info RetryInfo)
	// OnRateLimitWait is called when an attempt waited for the rate limiter (1 ms or more).
	OnRateLimitWait(ctx context.Context, info RateLimitWaitInfo)
	// OnTokenRefresh is called after every OAuth token refresh or location-token mint.
	OnTokenRefresh(ctx context.Context, info TokenRefreshInfo)
	// OnWebhook is called once for every webhook delivery the verifier or its Handler judged.
	OnWebhook(ctx context.Context, info WebhookInfo)
}

// NopObserver does nothing; embed it in an Observer to implement a subset of the methods.
type NopObserver struct{}

// OnAttempt does nothing.
func (NopObserver) OnAttempt(context.Context, AttemptInfo) {}

// OnRetry does nothing.
func (NopObserver) OnRetry(context.Context, RetryInfo) {}

// OnRateLimitWait does nothing.
func (NopObserver) OnRateLimitWait(context.Context, RateLimitWaitInfo) {}

// OnTokenRefresh does nothing.
func (NopObserver) OnTokenRefresh(context.Context, TokenRefreshInfo) {}

// OnWebhook does nothing.
func (NopObserver) OnWebhook(context.Context, WebhookInfo) {}

// AttemptInfo describes one HTTP attempt.
type AttemptInfo struct {
	Method     string
	Route      string // path template, e.g. /contacts/{contactId}: never an ID
	LocationID string
	Attempt    int // 1 for the first attempt
	StatusCode int // 0 if no response arrived
	Duration   time.Duration
	RateLimit  RateLimit
	Err        error // transport error, if any
}

// RetryInfo describes a retry about to be sent.
type RetryInfo struct {
	Method     string
	Route      string
	LocationID string
	Attempt    int    // the attempt about to be sent (2 for the first retry)
	Reason     string // one of the RetryReason constants
	Waited     time.Duration
}

// RateLimitWaitInfo describes time spent waiting for the rate limiter.
type RateLimitWaitInfo struct {
	LocationID string
	Route      string
	Waited     time.Duration
}

// TokenRefreshInfo describes a token refresh. It never carries a token.
type TokenRefreshInfo struct {
	Key      string // the TokenStore key (a location or company ID)
	Kind     string // "refresh_token", "location_token" or "authorization_code"
	Duration time.Duration
	Err      error // nil on success
}

// WebhookInfo describes the verdict on one webhook delivery.
type WebhookInfo struct {
	Outcome    string // one of the WebhookOutcome constants
	Type       string // event type, when known
	LocationID string
	WebhookID  string
	Err        error
}

// Outcomes reported in WebhookInfo.
const (
	WebhookAccepted  = "accepted"  // verified and handled
	WebhookRejected  = "rejected"  // bad or missing signature, stale, malformed or too large
	WebhookDuplicate = "duplicate" // webhookId already processed
	WebhookFailed    = "failed"    // the caller's handler returned an error
)

// RouteFromContext returns the path template ("/contacts/{contactId}") of the SDK call that
// ctx belongs to. The context of every request the client hands to its HTTP transport
// carries it, so a transport set with WithHTTPClient (a tracing or metrics wrapper) can name
// spans and label measurements by route, never by a path holding IDs. ok is false for
// any other context.
func RouteFromContext(ctx context.Context) (route string, ok bool) {
	if st := callStateFrom(ctx); st != nil {
		return st.route, true
	}
	return "", false
}

// Why a webhook was rejected, as reported by WebhookRejection.
const (
	WebhookRejectMissingSignature = "missing_signature" // neither signature header is set
	WebhookRejectInvalidSignature = "invalid_signature" // no configured key verifies it
	WebhookRejectStale            = "stale"             // timestamp missing or outside the window
	WebhookRejectTooLarge         = "too_large"         // body over the size limit
	WebhookRejectMalformed        = "malformed"         // signed, but not a usable event
	WebhookRejectOther            = "other"             // e.g. the replay store failed
)

// WebhookRejection classifies the error of a rejected delivery (WebhookInfo.Err, or an error
// from Verify) into one of the WebhookReject constants, a label with few values that suits
// a metric. It returns "" for nil and for a duplicate.
func WebhookRejection(err error) string {
	switch {
	case err == nil, errors.Is(err, ErrReplayedWebhook):
		return ""
	case errors.Is(err, ErrMissingSignature):
		return WebhookRejectMissingSignature
	case errors.Is(err, ErrInvalidSignature):
		return WebhookRejectInvalidSignature
	case errors.Is(err, ErrStaleWebhook):
		return WebhookRejectStale
	case errors.Is(err, ErrPayloadTooLarge):
		return WebhookRejectTooLarge
	case errors.Is(err, ErrMalformedWebhook):
		return WebhookRejectMalformed
	}
	return WebhookRejectOther
}

// MultiObserver returns an Observer that reports every event to each of obs, in order. Nil
// entries are skipped.
func MultiObserver(obs ...Observer) Observer {
	m := make(multiObserver, 0, len(obs))
	for _, o := range obs {
		if o != nil {
			m = append(m, o)
		}
	}
	return m
}

type multiObserver []Observer

func (m multiObserver) OnAttempt(ctx context.Context, info AttemptInfo) {
	for _, o := range m {
		o.OnAttempt(ctx, info)
	}
}

func (m multiObserver) OnRetry(ctx context.Context, info RetryInfo) {
	for _, o := range m {
		o.OnRetry(ctx, info)
	}
}

func (m multiObserver) OnRateLimitWait(ctx context.Context, info RateLimitWaitInfo) {
	for _, o := range m {
		o.OnRateLimitWait(ctx, info)
	}
}

func (m multiObserver) OnTokenRefresh(ctx context.Context, info TokenRefreshInfo) {
	for _, o := range m {
		o.OnTokenRefresh(ctx, info)
	}
}

func (m multiObserver) OnWebhook(ctx context.Context, info WebhookInfo) {
	for _, o := range m {
		o.OnWebhook(ctx, info)
	}
}

// CountingObserver is a ready-made Observer that keeps running totals in memory: requests by
// status, retries by reason, rate-limit waits, token refreshes, webhooks by outcome, and per
// location the requests, the time waited and the daily budget GHL last reported. Read them
// with Counts, for example from an expvar.Func or a Prometheus collector. The zero value is
// ready to use; it is safe for concurrent use, and the global totals are lock-free.
type CountingObserver struct {
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
	retryReasons      = [...]string{RetryReasonTransport, RetryReasonRateLimited, RetryReasonServer, RetryReasonTimeout}
	webhookOutcomes   = [...]string{WebhookAccepted, WebhookRejected, WebhookDuplicate, WebhookFailed}
	webhookRejections = [...]string{WebhookRejectMissingSignature, WebhookRejectInvalidSignature, WebhookRejectStale,
		WebhookRejectTooLarge, WebhookRejectMalformed, WebhookRejectOther}
)

// Counts is a snapshot of a CountingObserver. Maps hold only non-zero entries.
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

// LocationCounts are a CountingObserver's figures for one location.
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
func (c *CountingObserver) OnAttempt(_ context.Context, info AttemptInfo) {
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
func (c *CountingObserver) location(id string) *LocationCounts {
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
func (c *CountingObserver) OnRetry(_ context.Context, info RetryInfo) {
	c.retries.Add(1)
	c.byReason[indexOf(retryReasons[:], info.Reason)].Add(1)
}

// OnRateLimitWait implements Observer.
func (c *CountingObserver) OnRateLimitWait(_ context.Context, info RateLimitWaitInfo) {
	c.waits.Add(1)
	c.waited.Add(int64(info.Waited))
	c.mu.Lock()
	c.location(info.LocationID).RateLimitWaited += info.Waited
	c.mu.Unlock()
}

// OnTokenRefresh implements Observer.
func (c *CountingObserver) OnTokenRefresh(_ context.Context, info TokenRefreshInfo) {
	if info.Err != nil {
		c.refreshFailed.Add(1)
		return
	}
	c.refreshOK.Add(1)
}

// OnWebhook implements Observer.
func (c *CountingObserver) OnWebhook(_ context.Context, info WebhookInfo) {
	c.webhooks[indexOf(webhookOutcomes[:], info.Outcome)].Add(1)
	if info.Outcome == WebhookRejected {
		c.rejections[indexOf(webhookRejections[:len(webhookRejections)-1], WebhookRejection(info.Err))].Add(1)
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
func (c *CountingObserver) Counts() Counts {
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
