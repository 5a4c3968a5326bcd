package ghl

import (
	"context"

	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastRetries makes retries quick in tests; Retry-After is still honoured up to 2 s. The
// limiter's window is scaled down to 20 ms, since a 429 without Retry-After pauses the
// location for a window (10 s by default).
func fastRetries(n int) []Option {
	return []Option{WithMaxRetries(n), WithRetryPolicy(RetryPolicy{MinWait: time.Millisecond, MaxWait: 4 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
		WithRateLimiter(mustLimiter(WithDefaultLimit(100, 20*time.Millisecond)))}
}

const contactJSON = `{"contact":{"id":"c1","locationId":"loc-test-1","firstName":"Ada"}}`

// scripted answers the n-th request (from 0) with statuses[n], the last one repeating.
func scripted(t *testing.T, calls *atomic.Int32, statuses []int, header http.Header, okBody string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			if r.Method == http.MethodPost {
				assert.JSONEq(t, `{"locationId":"loc-test-1","firstName":"Ada"}`, string(b), "body resent unchanged")
			}
		}
		code := statuses[min(n, len(statuses)-1)]
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if code < 300 {
			_, _ = io.WriteString(w, okBody)
			return
		}
		_, _ = io.WriteString(w, `{"statusCode":`+itoa(code)+`,"message":"scripted failure"}`)
	}
}

func createAda(c *Client, ctx context.Context) (*Contact, *Response, error) {
	return c.Contacts.Create(ctx, &ContactCreateRequest{LocationID: testLocationID, FirstName: "Ada"})
}

func TestRetryPOSTCreateNotResentAfter500(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("POST /contacts/", scripted(t, &calls, []int{500, 201}, nil, contactJSON))
	_, _, err := createAda(c, context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, "scripted failure", apiErr.Message)
	assert.Equal(t, 1, apiErr.Attempts)
	assert.Equal(t, int32(1), calls.Load(), "a create the server may have applied must not be resent")
	assert.ErrorIs(t, err, ErrServer)
}

func TestRetryPOSTCreateResentAfter429(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("POST /contacts/", scripted(t, &calls, []int{429, 201}, http.Header{"Retry-After": {"0"}}, contactJSON))
	ct, _, err := createAda(c, context.Background())
	require.NoError(t, err)
	assert.Equal(t, "c1", ct.ID)
	assert.Equal(t, int32(2), calls.Load(), "a 429 was not acted on, so the create is resent")
}

func TestRetryIdempotentPOSTResentAfter500(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("POST /contacts/", scripted(t, &calls, []int{500, 502, 201}, nil, contactJSON))
	_, _, err := createAda(c, IdempotentContext(context.Background()))
	require.NoError(t, err)
	assert.Equal(t, int32(3), calls.Load())
}

func TestRetryWhatIsRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		tries  int32
	}{
		{http.StatusRequestTimeout, 4},
		{http.StatusTooManyRequests, 4},
		{http.StatusInternalServerError, 4},
		{http.StatusBadGateway, 4},
		{http.StatusServiceUnavailable, 4},
		{http.StatusGatewayTimeout, 4},
		{http.StatusNotImplemented, 1},
		{http.StatusBadRequest, 1},
		{http.StatusUnauthorized, 1},
		{http.StatusForbidden, 1},
		{http.StatusNotFound, 1},
		{http.StatusUnprocessableEntity, 1},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			c, mux := setup(t, fastRetries(3)...)
			var calls atomic.Int32
			mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{tc.status}, http.Header{"Retry-After": {"0"}}, contactJSON))
			_, _, err := c.Contacts.Get(context.Background(), "c1")
			assert.Equal(t, tc.tries, calls.Load())
			// When retries run out the caller gets the last response, typed.
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, int(tc.tries), apiErr.Attempts)
			assert.NotContains(t, err.Error(), "giving up")
			if tc.status == http.StatusTooManyRequests {
				var rle *RateLimitError
				require.ErrorAs(t, err, &rle)
				assert.False(t, rle.Daily)
			}
		})
	}
}

func TestRetryRecoversOnGET(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{503, 500, 200}, nil, contactJSON))
	ct, resp, err := c.Contacts.Get(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, "c1", ct.ID)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(3), calls.Load())
}

func TestRetryRetryAfterAboveCapFailsAtOnce(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{429}, http.Header{"Retry-After": {"3600"}}, contactJSON))
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, time.Hour, rle.RetryAfter)
	assert.Equal(t, int32(1), calls.Load())
}

func TestRetryDaily429NotRetried(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	h := http.Header{"X-Ratelimit-Limit-Daily": {"200000"}, "X-Ratelimit-Daily-Remaining": {"0"}, "X-Ratelimit-Max": {"100"},
		"X-Ratelimit-Remaining": {"99"}, "X-Ratelimit-Interval-Milliseconds": {"10000"}}
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{429}, h, contactJSON))
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.Equal(t, http.StatusTooManyRequests, rle.StatusCode)
	assert.Equal(t, int32(1), calls.Load())
	// The limiter now knows: the next call is refused without being sent.
	_, _, err = c.Contacts.Get(context.Background(), "c1")
	require.ErrorAs(t, err, &rle)
	assert.True(t, rle.Daily)
	assert.Zero(t, rle.StatusCode, "nothing was sent")
	assert.Equal(t, int32(1), calls.Load())
}

func TestRetryStopsAtOnceOnContext(t *testing.T) {
	c, mux := setup(t, WithMaxRetries(5), WithRetryPolicy(RetryPolicy{MinWait: time.Hour, MaxWait: time.Hour, MaxRetryAfter: time.Hour}))
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{503}, nil, contactJSON))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Contacts.Get(ctx, "c1")
		done <- err
	}()
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the retry loop did not stop when the context was cancelled")
	}
	assert.Equal(t, int32(1), calls.Load())
}

func TestRetryTransportErrorsTyped(t *testing.T) {
	// A server that accepts and immediately closes every connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_, _ = conn.Read(make([]byte, 4096))
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	c, err := NewClient(append([]Option{WithBaseURL("http://" + ln.Addr().String()), WithAccessToken(testToken), WithLocationID(testLocationID)}, fastRetries(2)...)...)
	require.NoError(t, err)

	_, _, err = c.Contacts.Get(context.Background(), "c1")
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.MethodGet, te.Method)
	assert.Equal(t, "/contacts/{contactId}", te.Route)
	assert.Equal(t, 3, te.Attempts)
	assert.NotContains(t, err.Error(), "giving up")
	assert.NotContains(t, err.Error(), testToken)

	before := accepted.Load()
	_, _, err = createAda(c, context.Background())
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Attempts, "a create that may have reached the server is not resent")
	assert.Equal(t, before+1, accepted.Load())
}

func TestRetryConnectionRefusedPOSTIsResent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused, so nothing was sent
	c, err := NewClient(append([]Option{WithBaseURL("http://" + addr), WithAccessToken(testToken), WithLocationID(testLocationID)}, fastRetries(2)...)...)
	require.NoError(t, err)
	_, _, err = createAda(c, context.Background())
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
}

func TestRetryBackoff(t *testing.T) {
	p := RetryPolicy{MinWait: 100 * time.Millisecond, MaxWait: time.Second, MaxRetryAfter: 5 * time.Second}
	ra := func(d time.Duration) respHeaders { return respHeaders{retryAfter: d} }

	assert.Equal(t, 3*time.Second, p.wait(p.MinWait, p.MaxWait, 0, 429, ra(3*time.Second)))
	assert.Equal(t, 2*time.Second, p.wait(p.MinWait, p.MaxWait, 0, 503, ra(2*time.Second)))
	assert.Equal(t, 5*time.Second, p.wait(p.MinWait, p.MaxWait, 0, 503, ra(time.Minute)), "capped")
	assert.Equal(t, 5*time.Second, p.wait(p.MinWait, p.MaxWait, 0, 429, ra(24*time.Hour)), "capped")
	assert.Equal(t, 1500*time.Millisecond, p.wait(p.MinWait, p.MaxWait, 0, 429, respHeaders{rateLimit: RateLimit{Interval: 1500 * time.Millisecond}}),
		"a 429 without Retry-After waits the window")

	// Exponential with equal jitter: attempt i waits within [step/2, step], step = min(MinWait*2^i, MaxWait).
	for i, step := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		step *= time.Millisecond
		if i >= 4 {
			step = time.Second
		}
		seen := map[time.Duration]bool{}
		for range 50 {
			d := p.wait(p.MinWait, p.MaxWait, i, 500, respHeaders{})
			assert.GreaterOrEqual(t, d, step/2)
			assert.LessOrEqual(t, d, step)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 1, "jittered")
	}
	// A transport error (no response) backs off the same way; huge attempts do not overflow.
	d := p.wait(p.MinWait, p.MaxWait, 200, 0, respHeaders{})
	assert.GreaterOrEqual(t, d, 500*time.Millisecond)
	assert.LessOrEqual(t, d, time.Second)
}

// TestRetryBackoffReadsTheParsedHeaders checks that go-retryablehttp's Backoff hook waits what
// the response's headers said, as parsed when the response arrived: a 429 asking for 50 ms
// holds the retry back at least that long.
func TestRetryBackoffReadsTheParsedHeaders(t *testing.T) {
	c, mux := setup(t, fastRetries(1)...)
	var calls atomic.Int32
	var first time.Time
	var gap time.Duration
	mux.HandleFunc("GET /contacts/c1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		gap = time.Since(first)
		_, _ = io.WriteString(w, contactJSON)
	})
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load())
	assert.GreaterOrEqual(t, gap, time.Second, "the retry waited the 503's Retry-After")
}

func TestRetryPolicyValidation(t *testing.T) {
	for _, p := range []RetryPolicy{{}, {MinWait: time.Second, MaxWait: time.Millisecond}, {MinWait: 1, MaxWait: 1, MaxRetryAfter: -1}} {
		_, err := NewClient(WithRetryPolicy(p))
		assert.Error(t, err)
	}
	d := DefaultRetryPolicy()
	assert.Equal(t, RetryPolicy{MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second, MaxRetryAfter: time.Minute}, d)
}

// TestRetryObserverSeesRetries checks the retry reasons reported to observers.
func TestRetryObserverSeesRetries(t *testing.T) {
	obs := &retryRecorder{}
	c, mux := setup(t, append(fastRetries(3), WithObserver(obs))...)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{429, 503, 408, 200}, http.Header{"Retry-After": {"0"}}, contactJSON))
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, "rate_limited,server_error,timeout", strings.Join(obs.reasons, ","))
}

type retryRecorder struct {
	NopObserver
	reasons []string
}

func (r *retryRecorder) OnRetry(_ context.Context, info RetryInfo) {
	r.reasons = append(r.reasons, info.Reason)
}
