package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ghlRetrySchedule is when GHL delivers a webhook that is answered 429 every time: the first
// delivery and six retries ten minutes apart (help.gohighlevel.com article 155000007071).
var ghlRetrySchedule = []time.Duration{0, 10 * time.Minute, 20 * time.Minute, 30 * time.Minute,
	40 * time.Minute, 50 * time.Minute, 60 * time.Minute}

// TestWebhookRedeliveriesCarryingTheFirstTimestamp: GHL may redeliver a webhook with the
// timestamp it was first signed with. Whichever retry finds the receiver healthy handles it,
// and the event is handled exactly once: no redelivery is refused as stale, none runs fn
// again.
func TestWebhookRedeliveriesCarryingTheFirstTimestamp(t *testing.T) {
	signer := newTestSigner(t)
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-retried")
	for healthyAt := range ghlRetrySchedule {
		t.Run(fmt.Sprintf("handled at retry %d", healthyAt), func(t *testing.T) {
			clock := &testClock{now: webhookTestNow}
			obs := &recordingObserver{}
			v := newTestVerifier(t, signer, clock, WithObserver(obs))
			var calls, handled int
			h := v.Handler(func(_ context.Context, ev Event) error {
				calls++
				assert.Equal(t, "wh-retried", ev.EventWebhookID())
				if calls <= healthyAt {
					return errors.New("database is down")
				}
				handled++
				return nil
			})
			var statuses []int
			for i, at := range ghlRetrySchedule {
				clock.now = webhookTestNow.Add(at)
				if i > 0 {
					clock.Add(45 * time.Second) // GHL's jitter
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, signedRequest(signer, body))
				statuses = append(statuses, rec.Code)
			}
			// A copy after GHL's last retry, still inside the window, is a duplicate too.
			clock.now = webhookTestNow.Add(79 * time.Minute)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedRequest(signer, body))
			statuses = append(statuses, rec.Code)

			want := make([]int, len(ghlRetrySchedule)+1)
			for i := range want {
				want[i] = http.StatusOK
				if i < healthyAt {
					want[i] = http.StatusTooManyRequests
				}
			}
			assert.Equal(t, want, statuses)
			assert.Equal(t, 1, handled, "handled exactly once")
			assert.Equal(t, healthyAt+1, calls, "fn runs until it succeeds, then never again")

			outcomes := obs.outcomes()
			require.Len(t, outcomes, len(want))
			for i, o := range outcomes {
				switch {
				case i < healthyAt:
					assert.Equal(t, WebhookFailed, o, "delivery %d", i)
				case i == healthyAt:
					assert.Equal(t, WebhookAccepted, o, "delivery %d", i)
				default:
					assert.Equal(t, WebhookDuplicate, o, "delivery %d", i)
				}
			}
		})
	}
}

// TestWebhookWindowRefusals: the window reaches back past GHL's last retry and no further,
// and ahead only by the tolerance.
func TestWebhookWindowRefusals(t *testing.T) {
	signer := newTestSigner(t)
	for _, tc := range []struct {
		name string
		ts   time.Time
		err  string
	}{
		{"two hours old", webhookTestNow.Add(-2 * time.Hour),
			"ghl: webhook timestamp is outside the accepted window: timestamp is 2h0m0s old, older than GHL redelivers (1h20m0s with the tolerance)"},
		{"six minutes ahead", webhookTestNow.Add(6 * time.Minute),
			"ghl: webhook timestamp is outside the accepted window: timestamp is 6m0s ahead, tolerance 5m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{now: webhookTestNow}
			obs := &recordingObserver{}
			v := newTestVerifier(t, signer, clock, WithObserver(obs))
			body := contactPayload(tc.ts.Format(time.RFC3339), "wh-window")

			_, err := v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
			require.ErrorIs(t, err, ErrStaleWebhook)
			assert.EqualError(t, err, tc.err)

			called := false
			rec := httptest.NewRecorder()
			v.Handler(func(context.Context, Event) error { called = true; return nil }).ServeHTTP(rec, signedRequest(signer, body))
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Equal(t, "Unauthorized\n", rec.Body.String())
			assert.False(t, called)
			assert.Equal(t, []string{WebhookRejected, WebhookRejected}, obs.outcomes())
		})
	}
}

// TestWebhookReplayInsideTheWindowIsRefusedByItsID: a handled delivery replayed 70 minutes
// later passes the timestamp check, so its webhookId must still be remembered; it is, for as
// long as any copy can pass, also for a delivery stamped the whole tolerance ahead.
func TestWebhookReplayInsideTheWindowIsRefusedByItsID(t *testing.T) {
	signer := newTestSigner(t)
	for _, tc := range []struct {
		name     string
		ahead    time.Duration // the timestamp's distance ahead of the clock at the first delivery
		replayAt time.Duration // when the replay comes, after the first delivery
		last     bool          // replayAt is the last moment the timestamp passes
	}{
		{"stamped now, replayed 70 minutes later", 0, 70 * time.Minute, false},
		{"stamped now, replayed at the window's end", 0, 80 * time.Minute, true},
		{"stamped the tolerance ahead, replayed at the window's end", 5 * time.Minute, 85 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{now: webhookTestNow}
			obs := &recordingObserver{}
			v := newTestVerifier(t, signer, clock, WithObserver(obs))
			body := contactPayload(webhookTestNow.Add(tc.ahead).Format(time.RFC3339), "wh-replay")
			calls := 0
			h := v.Handler(func(context.Context, Event) error { calls++; return nil })

			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedRequest(signer, body))
			require.Equal(t, http.StatusOK, rec.Code)

			clock.Add(tc.replayAt)
			_, err := v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
			assert.ErrorIs(t, err, ErrReplayedWebhook)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, signedRequest(signer, body))
			assert.Equal(t, http.StatusOK, rec.Code, "acknowledged")
			assert.Equal(t, 1, calls, "not processed again")

			if !tc.last {
				assert.Equal(t, []string{WebhookAccepted, WebhookDuplicate, WebhookDuplicate}, obs.outcomes())
				return
			}
			// A second later the timestamp no longer passes either.
			clock.Add(time.Second)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, signedRequest(signer, body))
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Equal(t, 1, calls)
			assert.Equal(t, []string{WebhookAccepted, WebhookDuplicate, WebhookDuplicate, WebhookRejected}, obs.outcomes())
		})
	}
}

// ttlStore records the TTLs the Handler asks a ReplayStore to keep IDs for.
type ttlStore struct {
	ReplayStore
	mu         sync.Mutex
	claimTTL   []time.Duration
	processTTL []time.Duration
}

func (s *ttlStore) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	s.claimTTL = append(s.claimTTL, ttl)
	s.mu.Unlock()
	return s.ReplayStore.Claim(ctx, id, ttl)
}

func (s *ttlStore) MarkProcessed(ctx context.Context, id string, ttl time.Duration) error {
	s.mu.Lock()
	s.processTTL = append(s.processTTL, ttl)
	s.mu.Unlock()
	return s.ReplayStore.MarkProcessed(ctx, id, ttl)
}

// TestWebhookReplayStoreTTLsCoverTheWindow: the TTLs a shared store such as redisstore is
// given are what keeps a replay out, so they are pinned here.
func TestWebhookReplayStoreTTLsCoverTheWindow(t *testing.T) {
	signer := newTestSigner(t)
	for _, tc := range []struct {
		opts []WebhookOption
		want time.Duration
	}{
		{nil, 86 * time.Minute},
		{[]WebhookOption{WithTolerance(30 * time.Second)}, 77 * time.Minute},
		{[]WebhookOption{WithTolerance(15 * time.Minute)}, 106 * time.Minute},
	} {
		clock := &testClock{now: webhookTestNow}
		st := &ttlStore{ReplayStore: newMemoryReplayStore(clock.Now, 10)}
		v := newTestVerifier(t, signer, clock, append(tc.opts, WithReplayStore(st))...)
		rec := httptest.NewRecorder()
		v.Handler(func(context.Context, Event) error { return nil }).
			ServeHTTP(rec, signedRequest(signer, contactPayload(webhookTestNow.Format(time.RFC3339), "wh-ttl")))
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, []time.Duration{webhookClaimTTL}, st.claimTTL)
		assert.Equal(t, []time.Duration{tc.want}, st.processTTL)
		assert.Equal(t, tc.want, v.replayTTL)
	}
	v, err := NewWebhookVerifier()
	require.NoError(t, err)
	assert.Equal(t, 86*time.Minute, v.replayTTL, "the default verifier")
}
