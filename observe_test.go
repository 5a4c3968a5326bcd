package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookRejection(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		"nil":         {nil, ""},
		"duplicate":   {ErrReplayedWebhook, ""},
		"missing":     {ErrMissingSignature, WebhookRejectMissingSignature},
		"invalid":     {fmt.Errorf("%w: x-ghl-signature", ErrInvalidSignature), WebhookRejectInvalidSignature},
		"stale":       {fmt.Errorf("%w: old", ErrStaleWebhook), WebhookRejectStale},
		"too large":   {fmt.Errorf("%w: 2 MB", ErrPayloadTooLarge), WebhookRejectTooLarge},
		"malformed":   {&WebhookPayloadError{Reason: "no webhookId"}, WebhookRejectMalformed},
		"store error": {errors.New("ghl: webhook replay store: timeout"), WebhookRejectOther},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, WebhookRejection(tc.err))
		})
	}
}

// TestClientReportsAttemptsToObserver checks the fields of AttemptInfo and RetryInfo for a
// call that is retried once after a 503, and that the route never carries the ID.
func TestClientReportsAttemptsToObserver(t *testing.T) {
	var mu sync.Mutex
	var attempts []AttemptInfo
	var retries []RetryInfo
	obs := &funcObserver{
		attempt: func(i AttemptInfo) { mu.Lock(); attempts = append(attempts, i); mu.Unlock() },
		retry:   func(i RetryInfo) { mu.Lock(); retries = append(retries, i); mu.Unlock() },
	}
	c, mux := setup(t, WithObserver(obs), WithLocationID("loc-obs"), WithMaxRetries(3),
		WithRetryPolicy(RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond, MaxRetryAfter: time.Millisecond}))
	n := 0
	mux.HandleFunc("GET /contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(100-n))
		w.Header().Set("X-RateLimit-Daily-Remaining", "1234")
		w.Header().Set("X-RateLimit-Limit-Daily", "200000")
		if n == 1 {
			http.Error(w, `{"message":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"contact":{"id":"c-123"}}`))
	})
	_, _, err := c.Contacts.Get(context.Background(), "c-123")
	require.NoError(t, err)

	require.Len(t, attempts, 2)
	for i, a := range attempts {
		assert.Equal(t, http.MethodGet, a.Method)
		assert.Equal(t, "/contacts/{contactId}", a.Route)
		assert.Equal(t, "loc-obs", a.LocationID)
		assert.Equal(t, i+1, a.Attempt)
		assert.Equal(t, 99-i, a.RateLimit.Remaining)
		assert.Equal(t, 1234, a.RateLimit.DailyRemaining)
		assert.NoError(t, a.Err)
	}
	assert.Equal(t, http.StatusServiceUnavailable, attempts[0].StatusCode)
	assert.Equal(t, http.StatusOK, attempts[1].StatusCode)
	require.Len(t, retries, 1)
	assert.Equal(t, RetryInfo{Method: http.MethodGet, Route: "/contacts/{contactId}", LocationID: "loc-obs", Attempt: 2,
		Reason: RetryReasonServer, Waited: retries[0].Waited}, retries[0])
}

// funcObserver sends attempts and retries to functions.
type funcObserver struct {
	NopObserver
	attempt func(AttemptInfo)
	retry   func(RetryInfo)
}

func (f *funcObserver) OnAttempt(_ context.Context, i AttemptInfo) { f.attempt(i) }
func (f *funcObserver) OnRetry(_ context.Context, i RetryInfo)     { f.retry(i) }

// routeTransport records what RouteFromContext says for each request it carries.
type routeTransport struct {
	mu     sync.Mutex
	routes []string
}

func (rt *routeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	route, ok := RouteFromContext(r.Context())
	rt.mu.Lock()
	rt.routes = append(rt.routes, fmt.Sprint(r.Method, " ", route, " ", ok))
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestRouteFromContextInTransport(t *testing.T) {
	rt := &routeTransport{}
	c, mux := setup(t, WithHTTPClient(&http.Client{Transport: rt}))
	mux.HandleFunc("GET /contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"contact":{"id":"c/1"}}`))
	})
	mux.HandleFunc("DELETE /contacts/{id}/tasks/{task}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"succeded":true}`))
	})
	_, _, err := c.Contacts.Get(context.Background(), "c/1")
	require.NoError(t, err)
	_, err = c.Tasks.Delete(context.Background(), "c/1", "t-9")
	require.NoError(t, err)
	assert.Equal(t, []string{"GET /contacts/{contactId} true", "DELETE /contacts/{contactId}/tasks/{taskId} true"}, rt.routes)

	route, ok := RouteFromContext(context.Background())
	assert.False(t, ok)
	assert.Empty(t, route)
}

// CountingObserver is the test copy of the Observer that examples/monitoring publishes: running
// totals in memory (requests by status, retries by reason, rate-limit waits, token refreshes,
// webhooks by outcome, per-location requests, waits and daily budget). The package's tests and
// benchmarks (and, through this exported name, the external tests) use it to check exactly
// what the SDK reported. The zero value is ready to use; it is safe for concurrent use.
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
	retryReasons      = [...]string{RetryReasonTransport, RetryReasonRateLimited, RetryReasonServer, RetryReasonTimeout, RetryReasonUnauthorized}
	webhookOutcomes   = [...]string{WebhookAccepted, WebhookRejected, WebhookDuplicate, WebhookFailed, WebhookInFlight}
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
