package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCountingObserverCounts feeds every kind of event and checks the snapshot.
func TestCountingObserverCounts(t *testing.T) {
	ctx := context.Background()
	var c CountingObserver // the zero value is ready
	assert.Equal(t, Counts{AttemptsByStatus: map[int]int64{}, RetriesByReason: map[string]int64{},
		Webhooks: map[string]int64{}, WebhookRejections: map[string]int64{}, Locations: map[string]LocationCounts{}}, c.Counts())

	c.OnAttempt(ctx, AttemptInfo{LocationID: "loc-a", StatusCode: 200,
		RateLimit: RateLimit{DailyLimit: 200_000, DailyRemaining: 150_000, Present: true}})
	c.OnAttempt(ctx, AttemptInfo{LocationID: "loc-a", StatusCode: 200,
		RateLimit: RateLimit{DailyLimit: 200_000, DailyRemaining: 149_999, Present: true}})
	// A response without the daily headers keeps the last figures.
	c.OnAttempt(ctx, AttemptInfo{LocationID: "loc-a", StatusCode: 0, Err: errors.New("reset")})
	c.OnAttempt(ctx, AttemptInfo{LocationID: "loc-b", StatusCode: 429})
	c.OnAttempt(ctx, AttemptInfo{LocationID: "loc-b", StatusCode: 1000}) // out of range: counted as 599

	c.OnRetry(ctx, RetryInfo{Reason: RetryReasonTransport})
	c.OnRetry(ctx, RetryInfo{Reason: RetryReasonRateLimited})
	c.OnRetry(ctx, RetryInfo{Reason: RetryReasonRateLimited})
	c.OnRetry(ctx, RetryInfo{Reason: RetryReasonServer})
	c.OnRetry(ctx, RetryInfo{Reason: RetryReasonTimeout})
	c.OnRetry(ctx, RetryInfo{Reason: "something new"})

	c.OnRateLimitWait(ctx, RateLimitWaitInfo{LocationID: "loc-b", Waited: 3 * time.Second})
	c.OnRateLimitWait(ctx, RateLimitWaitInfo{LocationID: "loc-b", Waited: 2 * time.Second})

	c.OnTokenRefresh(ctx, TokenRefreshInfo{Kind: GrantRefreshToken})
	c.OnTokenRefresh(ctx, TokenRefreshInfo{Kind: GrantLocationToken})
	c.OnTokenRefresh(ctx, TokenRefreshInfo{Kind: GrantRefreshToken, Err: ErrReauthorizationRequired})

	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookAccepted})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookAccepted})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookDuplicate, Err: ErrReplayedWebhook})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookFailed, Err: errors.New("handler")})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookRejected, Err: ErrMissingSignature})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookRejected, Err: fmt.Errorf("%w: bad", ErrInvalidSignature)})
	c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookRejected, Err: errors.New("replay store down")})

	assert.Equal(t, Counts{
		Attempts:         5,
		AttemptsByStatus: map[int]int64{200: 2, 0: 1, 429: 1, 599: 1},
		Retries:          6,
		RetriesByReason: map[string]int64{RetryReasonTransport: 1, RetryReasonRateLimited: 2, RetryReasonServer: 1,
			RetryReasonTimeout: 1, "other": 1},
		RateLimitWaits:       2,
		RateLimitWaited:      5 * time.Second,
		TokenRefreshes:       2,
		TokenRefreshFailures: 1,
		Webhooks:             map[string]int64{WebhookAccepted: 2, WebhookDuplicate: 1, WebhookFailed: 1, WebhookRejected: 3},
		WebhookRejections: map[string]int64{WebhookRejectMissingSignature: 1, WebhookRejectInvalidSignature: 1,
			WebhookRejectOther: 1},
		Locations: map[string]LocationCounts{
			"loc-a": {Attempts: 3, DailyLimit: 200_000, DailyRemaining: 149_999},
			"loc-b": {Attempts: 2, RateLimitWaited: 5 * time.Second},
		},
	}, c.Counts())
}

// TestCountingObserverConcurrent checks the totals under concurrent reporting (run with
// -race).
func TestCountingObserverConcurrent(t *testing.T) {
	ctx := context.Background()
	var c CountingObserver
	var wg sync.WaitGroup
	const workers, each = 8, 200
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loc := fmt.Sprintf("loc-%d", w%2)
			for range each {
				c.OnAttempt(ctx, AttemptInfo{LocationID: loc, StatusCode: 200})
				c.OnRetry(ctx, RetryInfo{Reason: RetryReasonServer})
				c.OnRateLimitWait(ctx, RateLimitWaitInfo{LocationID: loc, Waited: time.Millisecond})
				c.OnWebhook(ctx, WebhookInfo{Outcome: WebhookAccepted})
				_ = c.Counts()
			}
		}()
	}
	wg.Wait()
	got := c.Counts()
	assert.Equal(t, int64(workers*each), got.Attempts)
	assert.Equal(t, map[string]int64{RetryReasonServer: workers * each}, got.RetriesByReason)
	assert.Equal(t, time.Duration(workers*each)*time.Millisecond, got.RateLimitWaited)
	assert.Equal(t, map[string]int64{WebhookAccepted: workers * each}, got.Webhooks)
	assert.Equal(t, int64(workers*each/2), got.Locations["loc-0"].Attempts)
	assert.Equal(t, int64(workers*each/2), got.Locations["loc-1"].Attempts)
}

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

// recordAll keeps every event, in order, as text.
type recordAll struct {
	name   string
	mu     *sync.Mutex
	events *[]string
}

func (r recordAll) add(s string) {
	r.mu.Lock()
	*r.events = append(*r.events, r.name+":"+s)
	r.mu.Unlock()
}

func (r recordAll) OnAttempt(_ context.Context, i AttemptInfo) {
	r.add(fmt.Sprint("attempt ", i.Attempt))
}
func (r recordAll) OnRetry(_ context.Context, i RetryInfo) { r.add("retry " + i.Reason) }
func (r recordAll) OnRateLimitWait(_ context.Context, i RateLimitWaitInfo) {
	r.add("wait " + i.Waited.String())
}
func (r recordAll) OnTokenRefresh(_ context.Context, i TokenRefreshInfo) { r.add("refresh " + i.Kind) }
func (r recordAll) OnWebhook(_ context.Context, i WebhookInfo)           { r.add("webhook " + i.Outcome) }

func TestMultiObserverFansOutInOrder(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var events []string
	a, b := recordAll{"a", &mu, &events}, recordAll{"b", &mu, &events}
	m := MultiObserver(a, nil, b)
	m.OnAttempt(ctx, AttemptInfo{Attempt: 1})
	m.OnRetry(ctx, RetryInfo{Reason: RetryReasonServer})
	m.OnRateLimitWait(ctx, RateLimitWaitInfo{Waited: time.Second})
	m.OnTokenRefresh(ctx, TokenRefreshInfo{Kind: GrantRefreshToken})
	m.OnWebhook(ctx, WebhookInfo{Outcome: WebhookAccepted})
	assert.Equal(t, []string{
		"a:attempt 1", "b:attempt 1", "a:retry server_error", "b:retry server_error",
		"a:wait 1s", "b:wait 1s", "a:refresh refresh_token", "b:refresh refresh_token",
		"a:webhook accepted", "b:webhook accepted",
	}, events)

	// No observers at all is valid and does nothing.
	MultiObserver().OnAttempt(ctx, AttemptInfo{})
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
