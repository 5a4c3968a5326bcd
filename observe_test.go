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
