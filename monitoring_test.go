package ghl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/examples/monitoring/counting"
	"github.com/linkedphone/ghl-go/ghltest"
)

const (
	monLocation   = "mon-location-1"
	monDailyLimit = 5000
	monContacts   = 6
	// monFaultEvery makes every monFaultEvery-th API request (counted from 1, OAuth excluded)
	// fail once; its retry is the next request, which is never faulted, so every fault costs
	// exactly one retry.
	monFaultEvery = 4
	// monWaitEvery makes every monWaitEvery-th call to the limiter wait.
	monWaitEvery = 5
	monWait      = 2 * time.Millisecond
)

// scriptedLimiter makes every n-th Wait wait monWait, so the test knows exactly how many
// attempts waited for the rate limiter, whatever the machine's speed.
type scriptedLimiter struct {
	n      int64
	calls  atomic.Int64
	waited atomic.Int64
}

func (l *scriptedLimiter) Wait(ctx context.Context, _ string) error {
	if l.calls.Add(1)%l.n == 0 {
		l.waited.Add(1)
		t := time.NewTimer(monWait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

func (l *scriptedLimiter) Observe(string, ghl.Observation) {}

// recordingStore remembers every token saved, so the log test knows every secret there was.
type recordingStore struct {
	*ghl.MemoryTokenStore
	mu    sync.Mutex
	saved []*oauth2.Token
}

func (s *recordingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	s.mu.Lock()
	s.saved = append(s.saved, tok)
	s.mu.Unlock()
	return s.MemoryTokenStore.Save(ctx, key, tok)
}

// syncWriter serializes writes from the client, the OAuth app and the webhook receiver.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// monitoredRun is what one run against the fake produced, on both sides.
type monitoredRun struct {
	srv      *ghltest.Server
	counts   counting.Counts
	limiter  *scriptedLimiter
	logs     string
	secrets  map[string]string // what must never be logged, by what it is
	personal []string          // request-body values: names, emails, phones
	ids      []string          // contact IDs

	apiRequests  int // API requests the server received (OAuth excluded)
	tokenReqs    int // requests to /oauth/token
	handled      int // events the webhook handler was called with
	handlerFails int // of which it failed
	forged       map[string]int
	deliveries   []ghltest.WebhookDelivery
	refreshErr   error
}

// runMonitored installs the app through OAuth, syncs a few contacts with injected 5xx, resets
// and 429s, makes one token refresh fail and one succeed, and receives the fake's webhooks
// (with handler failures, redeliveries and forged deliveries), all observed by
// examples/monitoring's counting.Observer and logged at debug level as JSON.
func runMonitored(t *testing.T) *monitoredRun {
	t.Helper()
	ctx := context.Background()
	var apiSeq atomic.Int64
	srv := ghltest.NewServer(
		ghltest.WithLocation(monLocation, "mon-pit-unused"),
		ghltest.WithSeed(5),
		// A budget far above what the run spends: no window 429s, but every response carries
		// the daily figures the observer reports.
		ghltest.WithRateLimit(ghltest.RateLimitConfig{Limit: 1000, Window: time.Second, DailyLimit: monDailyLimit}),
		ghltest.WithFaults(ghltest.FaultConfig{
			// Every matched request gets exactly one fault: a storm (429) drawn first, else a
			// 5xx or a reset. The seed fixes which.
			Storms: 0.3, ServerErrors: 0.5, Resets: 0.5,
			// A storm that ends at once, so it never spills onto the next request.
			StormLength: time.Nanosecond,
			Match: func(r *http.Request) bool {
				if strings.HasPrefix(r.URL.Path, "/oauth/") {
					return false
				}
				return apiSeq.Add(1)%monFaultEvery == 0
			},
		}),
	)
	t.Cleanup(srv.Close)
	srv.SetWebhookRetries(3, time.Millisecond)

	logs := &syncWriter{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	obs := &counting.Observer{}
	run := &monitoredRun{srv: srv, limiter: &scriptedLimiter{n: monWaitEvery}, forged: map[string]int{}}

	// Webhook receiver: fails the first ContactCreate and the first ContactUpdate once.
	verifier, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(),
		ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()),
		ghl.WithObserver(obs), ghl.WithLogger(logger))
	require.NoError(t, err)
	var hmu sync.Mutex
	failedOnce := map[string]bool{}
	receiver := httptest.NewServer(verifier.Handler(func(_ context.Context, ev ghl.Event) error {
		hmu.Lock()
		defer hmu.Unlock()
		run.handled++
		if typ := ev.EventType(); (typ == "ContactCreate" || typ == "ContactUpdate") && !failedOnce[typ] {
			failedOnce[typ] = true
			run.handlerFails++
			return errors.New("downstream unavailable")
		}
		return nil
	}))
	t.Cleanup(receiver.Close)
	srv.RegisterWebhook(receiver.URL)

	base, err := ghl.NewClient(ghl.WithBaseURL(srv.URL),
		ghl.WithObserver(obs), ghl.WithLogger(logger), ghl.WithRateLimiter(run.limiter),
		ghl.WithRetryPolicy(ghl.RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, MaxRetryAfter: 10 * time.Millisecond}),
		// A fresh connection per request: net/http itself resends a GET whose reused
		// connection was reset, which would hide that fault from the SDK and its observer.
		ghl.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
	require.NoError(t, err)

	// Install the app: one authorization_code token request.
	store := &recordingStore{MemoryTokenStore: ghl.NewMemoryTokenStore()}
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: ghltest.DefaultClientID, ClientSecret: ghltest.DefaultClientSecret,
		Client: base})
	require.NoError(t, err)
	code := srv.AuthorizationCode(monLocation)
	_, err = app.ExchangeAndSave(ctx, store, code, ghl.UserTypeLocation)
	require.NoError(t, err)

	clients, err := app.LocationClients(store)
	require.NoError(t, err)
	client, err := clients.Client(monLocation)
	require.NoError(t, err)

	for i := range monContacts {
		first, last := fmt.Sprintf("Ada%c", 'A'+i), fmt.Sprintf("Lovelace%c", 'A'+i)
		email, phone := fmt.Sprintf("ada.%d@example.org", i), fmt.Sprintf("+1415555%04d", 1200+i)
		run.personal = append(run.personal, first, last, email, phone)
		res, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{LocationID: monLocation,
			FirstName: first, LastName: last, Email: email, Phone: phone})
		require.NoError(t, err)
		run.ids = append(run.ids, res.Contact.ID)
	}
	for _, id := range run.ids {
		_, _, err := client.Contacts.Get(ctx, id)
		require.NoError(t, err)
	}

	// The API refuses the access token while GHL says the location is paused: the refresh
	// fails and so does the call.
	srv.ExpireAccessTokens()
	srv.SetLocationActive(monLocation, false)
	_, _, run.refreshErr = client.Contacts.Get(ctx, run.ids[0])
	srv.SetLocationActive(monLocation, true)

	// The next call refreshes before it sends.
	for i, id := range run.ids {
		name := fmt.Sprintf("Grace%c", 'A'+i)
		run.personal = append(run.personal, name)
		_, _, err := client.Contacts.Update(ctx, id, &ghl.ContactUpdateRequest{FirstName: ghl.Ptr(name)})
		require.NoError(t, err)
	}

	// Webhooks: wait for the fake's deliveries, redeliver two, then forge three.
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, srv.FlushWebhooks(flushCtx))
	first := srv.Deliveries()
	require.GreaterOrEqual(t, len(first), 2)
	require.NoError(t, srv.Redeliver(first[0].WebhookID))
	require.NoError(t, srv.Redeliver(first[1].WebhookID))
	require.NoError(t, srv.FlushWebhooks(flushCtx))

	stale := []byte(`{"type":"ContactDelete","locationId":"` + monLocation + `","id":"x","timestamp":"2020-01-01T00:00:00.000Z","webhookId":"forged-stale"}`)
	fresh := []byte(`{"type":"ContactDelete","locationId":"` + monLocation + `","id":"x","timestamp":"` +
		time.Now().UTC().Format(time.RFC3339) + `","webhookId":"forged-1"}`)
	tampered := srv.SignWebhook(fresh)
	tampered.Set(ghl.HeaderGHLSignature, srv.SignWebhook(stale).Get(ghl.HeaderGHLSignature))
	for reason, post := range map[string]struct {
		h    http.Header
		body []byte
	}{
		ghl.WebhookRejectMissingSignature: {http.Header{"Content-Type": {"application/json"}}, fresh},
		ghl.WebhookRejectInvalidSignature: {tampered, fresh},
		ghl.WebhookRejectStale:            {srv.SignWebhook(stale), stale},
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, receiver.URL, bytes.NewReader(post.body))
		require.NoError(t, err)
		req.Header = post.h
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, reason)
		run.forged[reason]++
	}

	run.deliveries = srv.Deliveries()
	run.counts = obs.Counts()
	run.logs = logs.String()

	for _, id := range run.ids {
		run.apiRequests += srv.Requests(http.MethodGet, "/contacts/"+id) + srv.Requests(http.MethodPut, "/contacts/"+id)
	}
	run.apiRequests += srv.Requests(http.MethodPost, "/contacts/upsert")
	run.tokenReqs = srv.Requests(http.MethodPost, "/oauth/token")

	run.secrets = map[string]string{"client secret": ghltest.DefaultClientSecret, "authorization code": code}
	store.mu.Lock()
	for i, tok := range store.saved {
		run.secrets[fmt.Sprintf("access token %d", i)] = tok.AccessToken
		run.secrets[fmt.Sprintf("refresh token %d", i)] = tok.RefreshToken
	}
	store.mu.Unlock()
	return run
}

// TestMonitoringCountsMatchServer checks that the observer received exactly the events that
// happened, counted on the server's side: every attempt by status, every retry by reason,
// every rate-limit wait, every token request, and every webhook delivery by outcome.
func TestMonitoringCountsMatchServer(t *testing.T) {
	r := runMonitored(t)
	c := r.counts
	f := r.srv.Faults()

	// The seed gives a mix of every fault kind; a change to the fake's draws may need another.
	require.Positive(t, f.ServerErrors, "seed gives no 5xx")
	require.Positive(t, f.Resets, "seed gives no reset")
	require.Positive(t, f.StormRejections, "seed gives no 429")
	require.Zero(t, r.srv.RateLimited(), "the budget is not meant to be reached")
	faults := f.ServerErrors + f.Resets + f.StormRejections
	// Every monFaultEvery-th API request was faulted, and no more.
	require.Equal(t, r.apiRequests/monFaultEvery, faults)

	// Attempts: one per request the server received, by status.
	assert.Equal(t, int64(r.apiRequests), c.Attempts)
	assert.Equal(t, map[int]int64{
		http.StatusOK:              int64(r.apiRequests - faults - 1),
		http.StatusUnauthorized:    1, // the refused token, once
		http.StatusTooManyRequests: int64(f.StormRejections),
		0:                          int64(f.Resets),
	}, withoutServerErrors(c.AttemptsByStatus))
	assert.Equal(t, int64(f.ServerErrors), sumServerErrors(c.AttemptsByStatus))

	// Retries: one per fault, by reason.
	assert.Equal(t, int64(faults), c.Retries)
	assert.Equal(t, map[string]int64{
		ghl.RetryReasonServer:      int64(f.ServerErrors),
		ghl.RetryReasonTransport:   int64(f.Resets),
		ghl.RetryReasonRateLimited: int64(f.StormRejections),
	}, c.RetriesByReason)

	// Rate-limit waits: exactly the limiter's.
	require.Positive(t, r.limiter.waited.Load())
	assert.Equal(t, r.limiter.waited.Load(), c.RateLimitWaits)
	assert.GreaterOrEqual(t, c.RateLimitWaited, time.Duration(c.RateLimitWaits)*monWait)

	// Token requests: the code exchange and the second refresh succeeded; the first refresh
	// failed because the location was paused.
	require.ErrorIs(t, r.refreshErr, ghl.ErrLocationInactive)
	assert.Equal(t, 1, r.srv.RefreshCount())
	assert.Equal(t, 3, r.tokenReqs)
	assert.Equal(t, int64(2), c.TokenRefreshes)
	assert.Equal(t, int64(1), c.TokenRefreshFailures)

	// Webhooks: every delivery attempt the fake made, plus the forged ones.
	var accepted, failed, duplicate int
	for _, d := range r.deliveries {
		require.True(t, d.Delivered, "delivery %s", d.WebhookID)
		if d.Redelivery {
			duplicate += d.Attempts
			continue
		}
		accepted++
		failed += d.Attempts - 1
	}
	assert.Equal(t, 2, duplicate)
	assert.Equal(t, 2, failed)
	assert.Equal(t, r.handlerFails, failed)
	assert.Equal(t, r.handled, accepted+failed)
	assert.Equal(t, 2*monContacts, accepted, "one create and one update per contact")
	assert.Equal(t, map[string]int64{
		ghl.WebhookAccepted:  int64(accepted),
		ghl.WebhookFailed:    int64(failed),
		ghl.WebhookDuplicate: int64(duplicate),
		ghl.WebhookRejected:  3,
	}, c.Webhooks)
	assert.Equal(t, map[string]int64{
		ghl.WebhookRejectMissingSignature: 1,
		ghl.WebhookRejectInvalidSignature: 1,
		ghl.WebhookRejectStale:            1,
	}, c.WebhookRejections)

	// Per location: every attempt, and the daily budget as of the last response.
	loc := c.Locations[monLocation]
	assert.Equal(t, int64(r.apiRequests), loc.Attempts)
	assert.Equal(t, c.RateLimitWaited, loc.RateLimitWaited)
	assert.Equal(t, monDailyLimit, loc.DailyLimit)
	assert.Equal(t, monDailyLimit-r.srv.Admitted(), loc.DailyRemaining)
	assert.Len(t, c.Locations, 1)
}

func withoutServerErrors(m map[int]int64) map[int]int64 {
	out := map[int]int64{}
	for k, v := range m {
		if k < 500 {
			out[k] = v
		}
	}
	return out
}

func sumServerErrors(m map[int]int64) int64 {
	var n int64
	for k, v := range m {
		if k >= 500 {
			n += v
		}
	}
	return n
}

// TestMonitoringLogsNoSecrets reads every line the run logged at debug level: one line per
// attempt with its fields, info for retries, warn for the failed refresh and the rejected
// webhooks, and never a token, the client secret, an Authorization header, a request body
// value or a contact ID.
func TestMonitoringLogsNoSecrets(t *testing.T) {
	r := runMonitored(t)
	require.NotEmpty(t, r.logs)

	lower := strings.ToLower(r.logs)
	for what, s := range r.secrets {
		require.NotEmpty(t, s, what)
		assert.NotContains(t, r.logs, s, "%s is in the log", what)
	}
	assert.NotContains(t, lower, "bearer")
	assert.NotContains(t, lower, `"authorization"`)
	assert.NotContains(t, lower, "authorization:")
	for _, s := range r.personal {
		assert.NotContains(t, r.logs, s, "request body value in the log")
	}
	for _, id := range r.ids {
		assert.NotContains(t, r.logs, id, "contact ID in the log")
	}

	type line map[string]any
	var lines []line
	for _, raw := range strings.Split(strings.TrimSpace(r.logs), "\n") {
		var l line
		require.NoError(t, json.Unmarshal([]byte(raw), &l), raw)
		lines = append(lines, l)
	}
	byMsg := map[string][]line{}
	for _, l := range lines {
		msg, _ := l["msg"].(string)
		byMsg[msg] = append(byMsg[msg], l)
	}

	attempts := byMsg["ghl: attempt"]
	require.Len(t, attempts, int(r.counts.Attempts))
	routes := map[string]bool{}
	for _, l := range attempts {
		assert.Equal(t, "DEBUG", l["level"])
		for _, k := range []string{"method", "route", "location", "status", "attempt", "duration", "ratelimit_remaining"} {
			assert.Contains(t, l, k)
		}
		assert.Equal(t, monLocation, l["location"])
		routes[fmt.Sprint(l["method"], " ", l["route"])] = true
	}
	assert.Equal(t, map[string]bool{"POST /contacts/upsert": true, "GET /contacts/{contactId}": true, "PUT /contacts/{contactId}": true}, routes)

	retries := byMsg["ghl: retrying request"]
	require.Len(t, retries, int(r.counts.Retries))
	for _, l := range retries {
		assert.Equal(t, "INFO", l["level"])
		assert.Contains(t, []any{ghl.RetryReasonServer, ghl.RetryReasonTransport, ghl.RetryReasonRateLimited}, l["reason"])
	}

	failed := byMsg["ghl: token request failed"]
	require.Len(t, failed, 1)
	assert.Equal(t, "WARN", failed[0]["level"])
	assert.Equal(t, ghl.GrantRefreshToken, failed[0]["kind"])
	assert.Len(t, byMsg["ghl: token obtained"], 2)

	rejected := byMsg["ghl: webhook rejected"]
	require.Len(t, rejected, 3)
	for _, l := range rejected {
		assert.Equal(t, "WARN", l["level"])
	}

	// Nothing above debug carries more than the fields listed: no headers, bodies or URLs.
	for _, l := range lines {
		if l["level"] == "DEBUG" {
			continue
		}
		for k, v := range l {
			s := fmt.Sprint(v)
			assert.NotContains(t, s, "http://", "%s=%s", k, s)
			assert.NotContains(t, s, "{\"", "%s=%s", k, s)
		}
	}
}
