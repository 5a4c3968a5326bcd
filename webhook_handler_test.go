package ghl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedRequest is a delivery of body as GHL sends it, signed with Ed25519.
func signedRequest(s *testSigner, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/ghl", bytes.NewReader(body))
	req.Header.Set(HeaderGHLSignature, s.edSig(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// assertRetryAnswer checks a 429 as the Handler writes it: GHL redelivers on it.
func assertRetryAnswer(t *testing.T, rec *httptest.ResponseRecorder, body string) {
	t.Helper()
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, body, rec.Body.String())
	assert.Equal(t, "60", rec.Header().Get("Retry-After"))
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
}

// flakyStore is a ReplayStore whose methods fail on demand.
type flakyStore struct {
	ReplayStore
	failClaim, failProcessed, failMark, failRelease atomic.Bool
}

var errStoreDown = errors.New("store is down")

func (s *flakyStore) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if s.failClaim.Load() {
		return false, errStoreDown
	}
	return s.ReplayStore.Claim(ctx, id, ttl)
}

func (s *flakyStore) Processed(ctx context.Context, id string) (bool, error) {
	if s.failProcessed.Load() {
		return false, errStoreDown
	}
	return s.ReplayStore.Processed(ctx, id)
}

func (s *flakyStore) MarkProcessed(ctx context.Context, id string, ttl time.Duration) error {
	if s.failMark.Load() {
		return errStoreDown
	}
	return s.ReplayStore.MarkProcessed(ctx, id, ttl)
}

func (s *flakyStore) Release(ctx context.Context, id string) error {
	if s.failRelease.Load() {
		return errStoreDown
	}
	return s.ReplayStore.Release(ctx, id)
}

// TestWebhookHandlerAnswers pins every answer of the Handler: status, body, headers, whether
// the function ran, and the outcome reported.
func TestWebhookHandlerAnswers(t *testing.T) {
	signer := newTestSigner(t)
	now := webhookTestNow.Format(time.RFC3339)
	body := contactPayload(now, "wh-answer")
	type setup struct {
		store *flakyStore
		fnErr error
		panic any
	}
	cases := []struct {
		name      string
		arrange   func(t *testing.T, s *setup)
		request   func() *http.Request
		status    int
		body      string
		calls     int32
		outcome   string
		errIs     error
		errString string
	}{
		{name: "handled", status: 200, calls: 1, outcome: WebhookAccepted},
		{name: "already handled", arrange: func(t *testing.T, s *setup) {
			require.NoError(t, s.store.MarkProcessed(context.Background(), "wh-answer", time.Hour))
		}, status: 200, outcome: WebhookDuplicate, errIs: ErrReplayedWebhook},
		{name: "function failed", arrange: func(_ *testing.T, s *setup) { s.fnErr = errors.New("database is down") },
			status: 429, body: "webhook handler failed; retry later\n", calls: 1, outcome: WebhookFailed, errString: "database is down"},
		{name: "function panicked", arrange: func(_ *testing.T, s *setup) { s.panic = "boom" },
			status: 429, body: "webhook handler failed; retry later\n", calls: 1, outcome: WebhookFailed, errString: "ghl: webhook handler panicked: boom"},
		{name: "function failed and the claim could not be released", arrange: func(_ *testing.T, s *setup) {
			s.fnErr = errors.New("database is down")
			s.store.failRelease.Store(true)
		}, status: 429, body: "webhook handler failed; retry later\n", calls: 1, outcome: WebhookFailed,
			errString: "database is down\nghl: webhook replay store Release: store is down"},
		{name: "a copy is being handled", arrange: func(t *testing.T, s *setup) {
			ok, err := s.store.Claim(context.Background(), "wh-answer", time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
		}, status: 429, body: "webhook is being handled; retry later\n", outcome: WebhookInFlight, errIs: errWebhookInFlight},
		{name: "replay store lookup failed", arrange: func(_ *testing.T, s *setup) { s.store.failProcessed.Store(true) },
			status: 429, body: "webhook replay store failed; retry later\n", outcome: WebhookFailed, errIs: errStoreDown,
			errString: "ghl: webhook replay store Processed: store is down"},
		{name: "replay store claim failed", arrange: func(_ *testing.T, s *setup) { s.store.failClaim.Store(true) },
			status: 429, body: "webhook replay store failed; retry later\n", outcome: WebhookFailed, errIs: errStoreDown,
			errString: "ghl: webhook replay store Claim: store is down"},
		{name: "replay store full", arrange: func(t *testing.T, s *setup) {
			s.store.ReplayStore = newMemoryReplayStore(func() time.Time { return webhookTestNow }, 1)
			ok, err := s.store.Claim(context.Background(), "other", time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
		}, status: 429, body: "webhook replay store failed; retry later\n", outcome: WebhookFailed, errIs: errReplayStoreFull},
		{name: "recording the handled ID failed", arrange: func(_ *testing.T, s *setup) { s.store.failMark.Store(true) },
			status: 200, calls: 1, outcome: WebhookAccepted},
		{name: "body could not be read", request: func() *http.Request {
			req := signedRequest(signer, body)
			req.Body = io.NopCloser(iotest.ErrReader(errors.New("connection reset")))
			req.ContentLength = -1
			return req
		}, status: 429, body: "reading the webhook failed; retry later\n", outcome: WebhookFailed,
			errString: "ghl: reading webhook body: connection reset"},
		{name: "no signature", request: func() *http.Request {
			req := signedRequest(signer, body)
			req.Header.Del(HeaderGHLSignature)
			return req
		}, status: 401, body: "Unauthorized\n", outcome: WebhookRejected, errIs: ErrMissingSignature},
		{name: "stale", request: func() *http.Request {
			return signedRequest(signer, contactPayload(webhookTestNow.Add(-2*time.Hour).Format(time.RFC3339), "wh-answer"))
		}, status: 401, body: "Unauthorized\n", outcome: WebhookRejected, errIs: ErrStaleWebhook},
		{name: "signed but malformed", request: func() *http.Request {
			return signedRequest(signer, []byte(`{"type":"ContactCreate","timestamp":"`+now+`"}`))
		}, status: 400, body: "Bad Request\n", outcome: WebhookRejected, errIs: ErrMalformedWebhook},
		{name: "too large", request: func() *http.Request {
			return signedRequest(signer, append(bytes.Clone(body), bytes.Repeat([]byte(" "), 4096)...))
		}, status: 413, body: "Request Entity Too Large\n", outcome: WebhookRejected, errIs: ErrPayloadTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &setup{store: &flakyStore{ReplayStore: newMemoryReplayStore(func() time.Time { return webhookTestNow }, 100)}}
			if tc.arrange != nil {
				tc.arrange(t, s)
			}
			obs := &recordingObserver{}
			var logs bytes.Buffer
			v := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithReplayStore(s.store), WithMaxBodyBytes(2048),
				WithObserver(obs), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			var calls atomic.Int32
			h := v.Handler(func(context.Context, Event) error {
				calls.Add(1)
				if s.panic != nil {
					panic(s.panic)
				}
				return s.fnErr
			})
			req := signedRequest(signer, body)
			if tc.request != nil {
				req = tc.request()
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if tc.status == http.StatusTooManyRequests {
				assertRetryAnswer(t, rec, tc.body)
			} else {
				assert.Equal(t, tc.status, rec.Code)
				assert.Equal(t, tc.body, rec.Body.String())
				assert.Empty(t, rec.Header().Get("Retry-After"))
			}
			assert.Equal(t, tc.calls, calls.Load(), "calls of the function")
			require.Len(t, obs.infos, 1, "one verdict per delivery")
			info := obs.infos[0]
			assert.Equal(t, tc.outcome, info.Outcome)
			if tc.errIs != nil {
				assert.ErrorIs(t, info.Err, tc.errIs)
			}
			if tc.errString != "" {
				assert.EqualError(t, info.Err, tc.errString)
			}
			if tc.errIs == nil && tc.errString == "" {
				assert.NoError(t, info.Err)
			}
			if tc.name == "recording the handled ID failed" {
				assert.Contains(t, logs.String(), `"msg":"ghl: recording a handled webhook ID failed","webhook_id":"wh-answer","error":"store is down"`)
			}
		})
	}
}

// TestWebhookHandlerRetriesUntilHandledOnce drives the Handler the way GHL's retry rule
// needs: every delivery that did not get handled is answered 429 (the one status GHL
// redelivers on), whether the function failed, the replay store failed, or 50 copies of one
// failing delivery arrive at once; once a copy succeeds, the event was handled exactly once
// and every later redelivery is acknowledged without running the function.
func TestWebhookHandlerRetriesUntilHandledOnce(t *testing.T) {
	signer := newTestSigner(t)
	store := &flakyStore{ReplayStore: newMemoryReplayStore(time.Now, 1000)}
	obs := &recordingObserver{}
	v, err := NewWebhookVerifier(WithoutDefaultKeys(), WithEd25519PublicKeys(signer.edPub),
		WithReplayStore(store), WithObserver(obs))
	require.NoError(t, err)
	body := contactPayload(time.Now().UTC().Format(time.RFC3339), "wh-fails")
	sig := signer.edSig(body)

	var fail atomic.Bool
	var gate atomic.Pointer[chan struct{}] // when set, the function waits on it
	var calls, handled atomic.Int32
	srv := httptest.NewServer(v.Handler(func(_ context.Context, ev Event) error {
		calls.Add(1)
		if g := gate.Load(); g != nil {
			<-*g
		}
		if fail.Load() {
			return errors.New("downstream unavailable")
		}
		handled.Add(1)
		return nil
	}))
	defer srv.Close()

	type answer struct {
		status     int
		retryAfter string
		body       string
	}
	post := func() answer {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set(HeaderGHLSignature, sig)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
	}
	// copies posts n copies at once and returns their answers; started, if not nil, is
	// called once every copy is on its way.
	copies := func(n int, started func(answers <-chan answer)) []answer {
		out := make(chan answer, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out <- post()
			}()
		}
		if started != nil {
			started(out)
		}
		wg.Wait()
		close(out)
		var all []answer
		for a := range out {
			all = append(all, a)
		}
		return all
	}
	retry := func(body string) answer { return answer{429, "60", body} }
	count := func(answers []answer) map[answer]int {
		m := map[answer]int{}
		for _, a := range answers {
			m[a]++
		}
		return m
	}

	// 1. The replay store is down: nothing is handled, everything comes back.
	store.failProcessed.Store(true)
	assert.Equal(t, map[answer]int{retry("webhook replay store failed; retry later\n"): 50}, count(copies(50, nil)))
	store.failProcessed.Store(false)
	store.failClaim.Store(true)
	assert.Equal(t, map[answer]int{retry("webhook replay store failed; retry later\n"): 50}, count(copies(50, nil)))
	store.failClaim.Store(false)
	assert.Zero(t, calls.Load(), "the function never ran")

	// 2. The function fails while 50 copies arrive: one runs and holds the others off until
	// they are all answered, then fails. Not one copy is acknowledged.
	fail.Store(true)
	g := make(chan struct{})
	gate.Store(&g)
	first := copies(50, func(answers <-chan answer) {
		require.Eventually(t, func() bool { return len(answers) == 49 }, 10*time.Second, time.Millisecond)
		close(g)
	})
	gate.Store(nil)
	assert.Equal(t, map[answer]int{
		retry("webhook is being handled; retry later\n"): 49,
		retry("webhook handler failed; retry later\n"):   1,
	}, count(first))
	assert.Equal(t, int32(1), calls.Load())

	// And again without holding them: copies race for the claim, every one still gets 429.
	second := copies(50, nil)
	for a := range count(second) {
		assert.Contains(t, []answer{retry("webhook is being handled; retry later\n"), retry("webhook handler failed; retry later\n")}, a)
	}
	assert.GreaterOrEqual(t, calls.Load(), int32(2), "a failed copy released its claim")
	assert.Zero(t, handled.Load())

	// 3. The function recovers: of 50 concurrent redeliveries exactly one handles the event;
	// the others are answered 429 while it runs, or 200 once it is recorded.
	fail.Store(false)
	third := count(copies(50, nil))
	assert.Equal(t, int32(1), handled.Load(), "handled exactly once")
	assert.Positive(t, third[answer{200, "", ""}], "the copy that handled it was acknowledged")
	for a := range third {
		assert.Contains(t, []answer{{200, "", ""}, retry("webhook is being handled; retry later\n")}, a)
	}

	// 4. Later redeliveries are acknowledged without running the function again.
	before := calls.Load()
	assert.Equal(t, map[answer]int{{200, "", ""}: 50}, count(copies(50, nil)))
	assert.Equal(t, before, calls.Load())
	assert.Equal(t, int32(1), handled.Load())

	// Every verdict was reported, and only one as handled.
	outcomes := map[string]int{}
	for _, o := range obs.outcomes() {
		outcomes[o]++
	}
	assert.Equal(t, 1, outcomes[WebhookAccepted])
	assert.Equal(t, 300, outcomes[WebhookAccepted]+outcomes[WebhookDuplicate]+outcomes[WebhookFailed]+outcomes[WebhookInFlight])
	assert.Equal(t, int(calls.Load())-1+100, outcomes[WebhookFailed], "one per failed run, one per store failure")
}

// TestWebhookVerifyRecordsNothing: Verify alone never records an ID; once the Handler has
// handled it, Verify reports the replay for as long as the timestamp window accepts the
// delivery, and then refuses it as stale.
func TestWebhookVerifyRecordsNothing(t *testing.T) {
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	v := newTestVerifier(t, signer, clock)
	ctx := context.Background()
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-manual")
	h := http.Header{headerWHSignature: {signer.rsaSig(body)}}

	ev, err := v.Verify(ctx, h, body)
	require.NoError(t, err)
	ev2, err := v.Verify(ctx, h, body)
	require.NoError(t, err, "not recorded by Verify")
	assert.Equal(t, ev.Raw(), ev2.Raw())

	rec := httptest.NewRecorder()
	v.Handler(func(context.Context, Event) error { return nil }).ServeHTTP(rec, signedRequest(signer, body))
	require.Equal(t, http.StatusOK, rec.Code)
	_, err = v.Verify(ctx, h, body)
	assert.ErrorIs(t, err, ErrReplayedWebhook)
	assert.Equal(t, http.StatusOK, webhookStatus(err))

	clock.Add(80 * time.Minute) // the last moment the timestamp passes
	_, err = v.Verify(ctx, h, body)
	assert.ErrorIs(t, err, ErrReplayedWebhook)
	clock.Add(time.Second)
	_, err = v.Verify(ctx, h, body)
	assert.ErrorIs(t, err, ErrStaleWebhook)
}

func TestWebhookHandlerPanicsThatAbortPassThrough(t *testing.T) {
	signer := newTestSigner(t)
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow})
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-abort")
	abort := true
	h := v.Handler(func(context.Context, Event) error {
		if abort {
			panic(http.ErrAbortHandler)
		}
		return nil
	})
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { h.ServeHTTP(httptest.NewRecorder(), signedRequest(signer, body)) })
	abort = false
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(signer, body))
	assert.Equal(t, http.StatusOK, rec.Code, "the claim was released, so the redelivery is handled")
}

func TestWebhookHandlerMethodsAndBodyLimit(t *testing.T) {
	signer := newTestSigner(t)
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithMaxBodyBytes(64))
	h := v.Handler(func(context.Context, Event) error {
		t.Error("dispatched")
		return nil
	})
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "/", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
	}

	// A body over the limit without a Content-Length is cut off while reading.
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-chunked")
	req := httptest.NewRequest(http.MethodPost, "/", struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set(HeaderGHLSignature, signer.edSig(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "Request Entity Too Large\n", rec.Body.String())

	_, err := v.Verify(context.Background(), req.Header, body)
	assert.ErrorIs(t, err, ErrPayloadTooLarge)
}
