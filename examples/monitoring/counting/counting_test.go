package counting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	ghl "github.com/linkedphone/ghl-go"
)

// TestObserverCounts feeds every kind of event and checks the snapshot.
func TestObserverCounts(t *testing.T) {
	ctx := context.Background()
	var c Observer // the zero value is ready
	assert.Equal(t, Counts{AttemptsByStatus: map[int]int64{}, RetriesByReason: map[string]int64{},
		Webhooks: map[string]int64{}, WebhookRejections: map[string]int64{}, Locations: map[string]LocationCounts{}}, c.Counts())

	c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: "loc-a", StatusCode: 200,
		RateLimit: ghl.RateLimit{DailyLimit: 200_000, DailyRemaining: 150_000, Present: true}})
	c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: "loc-a", StatusCode: 200,
		RateLimit: ghl.RateLimit{DailyLimit: 200_000, DailyRemaining: 149_999, Present: true}})
	// A response without the daily headers keeps the last figures.
	c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: "loc-a", StatusCode: 0, Err: errors.New("reset")})
	c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: "loc-b", StatusCode: 429})
	c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: "loc-b", StatusCode: 1000}) // out of range: counted as 599

	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonTransport})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonRateLimited})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonRateLimited})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonServer})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonTimeout})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonUnauthorized})
	c.OnRetry(ctx, ghl.RetryInfo{Reason: "something new"})

	c.OnRateLimitWait(ctx, ghl.RateLimitWaitInfo{LocationID: "loc-b", Waited: 3 * time.Second})
	c.OnRateLimitWait(ctx, ghl.RateLimitWaitInfo{LocationID: "loc-b", Waited: 2 * time.Second})

	c.OnTokenRefresh(ctx, ghl.TokenRefreshInfo{Kind: ghl.GrantRefreshToken})
	c.OnTokenRefresh(ctx, ghl.TokenRefreshInfo{Kind: ghl.GrantLocationToken})
	c.OnTokenRefresh(ctx, ghl.TokenRefreshInfo{Kind: ghl.GrantRefreshToken, Err: ghl.ErrReauthorizationRequired})

	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookAccepted})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookAccepted})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookDuplicate, Err: ghl.ErrReplayedWebhook})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookFailed, Err: errors.New("handler")})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookRejected, Err: ghl.ErrMissingSignature})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookRejected, Err: fmt.Errorf("%w: bad", ghl.ErrInvalidSignature)})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookRejected, Err: errors.New("unclassified")})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookInFlight, Err: errors.New("a copy is being handled")})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookInFlight})
	c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: "new_outcome"})

	assert.Equal(t, Counts{
		Attempts:         5,
		AttemptsByStatus: map[int]int64{200: 2, 0: 1, 429: 1, 599: 1},
		Retries:          7,
		RetriesByReason: map[string]int64{ghl.RetryReasonTransport: 1, ghl.RetryReasonRateLimited: 2, ghl.RetryReasonServer: 1,
			ghl.RetryReasonTimeout: 1, ghl.RetryReasonUnauthorized: 1, "other": 1},
		RateLimitWaits:       2,
		RateLimitWaited:      5 * time.Second,
		TokenRefreshes:       2,
		TokenRefreshFailures: 1,
		Webhooks: map[string]int64{ghl.WebhookAccepted: 2, ghl.WebhookDuplicate: 1, ghl.WebhookFailed: 1, ghl.WebhookRejected: 3,
			ghl.WebhookInFlight: 2, "other": 1},
		WebhookRejections: map[string]int64{ghl.WebhookRejectMissingSignature: 1, ghl.WebhookRejectInvalidSignature: 1,
			ghl.WebhookRejectOther: 1},
		Locations: map[string]LocationCounts{
			"loc-a": {Attempts: 3, DailyLimit: 200_000, DailyRemaining: 149_999},
			"loc-b": {Attempts: 2, RateLimitWaited: 5 * time.Second},
		},
	}, c.Counts())
}

// TestObserverConcurrent checks the totals under concurrent reporting (run with
// -race).
func TestObserverConcurrent(t *testing.T) {
	ctx := context.Background()
	var c Observer
	var wg sync.WaitGroup
	const workers, each = 8, 200
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loc := fmt.Sprintf("loc-%d", w%2)
			for range each {
				c.OnAttempt(ctx, ghl.AttemptInfo{LocationID: loc, StatusCode: 200})
				c.OnRetry(ctx, ghl.RetryInfo{Reason: ghl.RetryReasonServer})
				c.OnRateLimitWait(ctx, ghl.RateLimitWaitInfo{LocationID: loc, Waited: time.Millisecond})
				c.OnWebhook(ctx, ghl.WebhookInfo{Outcome: ghl.WebhookAccepted})
				_ = c.Counts()
			}
		}()
	}
	wg.Wait()
	got := c.Counts()
	assert.Equal(t, int64(workers*each), got.Attempts)
	assert.Equal(t, map[string]int64{ghl.RetryReasonServer: workers * each}, got.RetriesByReason)
	assert.Equal(t, time.Duration(workers*each)*time.Millisecond, got.RateLimitWaited)
	assert.Equal(t, map[string]int64{ghl.WebhookAccepted: workers * each}, got.Webhooks)
	assert.Equal(t, int64(workers*each/2), got.Locations["loc-0"].Attempts)
	assert.Equal(t, int64(workers*each/2), got.Locations["loc-1"].Attempts)
}

// BenchmarkOnAttempt measures the call the SDK makes for every HTTP attempt.
//
//	go test -run '^$' -bench 'BenchmarkOnAttempt' -benchmem ./examples/monitoring/counting/
func BenchmarkOnAttempt(b *testing.B) {
	var c Observer
	info := ghl.AttemptInfo{Method: http.MethodGet, Route: "/contacts/{contactId}", LocationID: "loc-1", Attempt: 1, StatusCode: 200,
		RateLimit: ghl.RateLimit{Max: 100, Remaining: 99, DailyLimit: 200_000, DailyRemaining: 199_999, Present: true}}
	ctx := context.Background()
	b.ReportAllocs()
	for range b.N {
		c.OnAttempt(ctx, info)
	}
}
