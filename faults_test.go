package ghl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncReport is what a sync run saw.
type syncReport struct {
	mu        sync.Mutex
	errs      map[string]int // by type
	untyped   []error
	resends   int // creates sent again after a read showed they were not applied
	confirmed int // failed creates that a read showed had been applied
}

func (r *syncReport) saw(err error) {
	var rle *RateLimitError
	var apiErr *APIError
	var te *TransportError
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errs == nil {
		r.errs = map[string]int{}
	}
	switch {
	case errors.As(err, &rle):
		r.errs["RateLimitError"]++
	case errors.As(err, &apiErr):
		r.errs[fmt.Sprintf("APIError %d", apiErr.StatusCode)]++
	case errors.As(err, &te):
		r.errs["TransportError"]++
	default:
		r.untyped = append(r.untyped, err)
	}
}

// transient reports whether an error leaves a write's outcome unknown, so that the caller
// should check and try again; anything else (a 4xx) is a bug in the sync.
func transient(err error) bool {
	var apiErr *APIError
	var te *TransportError
	return errors.Is(err, ErrRateLimited) || errors.As(err, &te) || (errors.As(err, &apiErr) && apiErr.StatusCode >= 500)
}

// syncContacts upserts n contacts and gives each a note and a task, from 8 goroutines, the way
// a careful caller does under failures: an upsert is safe to repeat, so it is simply tried
// again; a create is repeated only after a read of the contact's notes or tasks shows that
// the failed attempt was not applied. That read is authoritative because ghltest (like any
// server) finishes applying a request before its response fails.
func syncContacts(t *testing.T, c *Client, loc string, n int, rep *syncReport) {
	ctx := context.Background()
	due := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := syncOne(ctx, c, loc, i, due, rep); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func syncOne(ctx context.Context, c *Client, loc string, i int, due time.Time, rep *syncReport) error {
	const maxTries = 20
	var contactID string
	for try := 0; ; try++ {
		if try == maxTries {
			return fmt.Errorf("contact %d: upsert keeps failing", i)
		}
		res, _, err := c.Contacts.Upsert(ctx, &ContactUpsertRequest{
			LocationID: loc, FirstName: "Person", LastName: fmt.Sprintf("%04d", i),
			Email: fmt.Sprintf("person%04d@example.com", i), Phone: fmt.Sprintf("+1415555%04d", i),
			Tags: []string{"synced", fmt.Sprintf("batch-%d", i%7)}, Source: "phone system",
		})
		if err == nil {
			contactID = res.Contact.ID
			break
		}
		rep.saw(err)
		if !transient(err) {
			return fmt.Errorf("contact %d: %w", i, err)
		}
	}
	noteBody := fmt.Sprintf("Called person %04d about the renewal.", i)
	if err := createChecked(rep, fmt.Sprintf("note %d", i),
		func() error {
			_, _, err := c.Notes.Create(ctx, contactID, &NoteCreateRequest{Body: noteBody})
			return err
		},
		func() (bool, error) {
			notes, _, err := c.Notes.List(ctx, contactID)
			for _, nt := range notes {
				if nt.Body == noteBody {
					return true, nil
				}
			}
			return false, err
		}); err != nil {
		return err
	}
	taskTitle := fmt.Sprintf("Follow up with person %04d", i)
	return createChecked(rep, fmt.Sprintf("task %d", i),
		func() error {
			_, _, err := c.Tasks.Create(ctx, contactID, &TaskCreateRequest{Title: taskTitle, Body: "renewal", DueDate: Time{Time: due}})
			return err
		},
		func() (bool, error) {
			tasks, _, err := c.Tasks.List(ctx, contactID)
			for _, tk := range tasks {
				if tk.Title == taskTitle {
					return true, nil
				}
			}
			return false, err
		})
}

// createChecked sends a create; after a failure it reads whether the create was applied and
// sends it again only if it was not.
func createChecked(rep *syncReport, what string, create func() error, exists func() (bool, error)) error {
	const maxTries = 20
	for try := 0; ; try++ {
		if try == maxTries {
			return fmt.Errorf("%s keeps failing", what)
		}
		err := create()
		if err == nil {
			return nil
		}
		rep.saw(err)
		if !transient(err) {
			return fmt.Errorf("%s: %w", what, err)
		}
		for check := 0; ; check++ {
			if check == maxTries {
				return fmt.Errorf("%s: cannot read it back", what)
			}
			ok, err := exists()
			if err != nil {
				rep.saw(err)
				if !transient(err) {
					return fmt.Errorf("%s: %w", what, err)
				}
				continue
			}
			if ok {
				rep.mu.Lock()
				rep.confirmed++
				rep.mu.Unlock()
				return nil
			}
			break
		}
		rep.mu.Lock()
		rep.resends++
		rep.mu.Unlock()
	}
}

func settleGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines left running (%d before):\n%s", n-before, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestSyncUnderFaultsMatchesFaultFreeRun syncs 1,000 contacts (upsert, a note and a task each)
// against a ghltest server injecting 5% 5xx and 5% connection resets before handling, 5%
// failures after handling (the write applied, the response lost), latency and 429 storms,
// under a rate limit scaled down to 100 per 50 ms (GHL: 100 per 10 s) so the run takes
// seconds. The final state must equal a fault-free run's.
func TestSyncUnderFaultsMatchesFaultFreeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs 1,000 contacts twice")
	}
	const n = 1000
	before := runtime.NumGoroutine()

	run := func(opts ...ghltest.ServerOption) (string, *ghltest.Server, *syncReport) {
		srv := ghltest.NewServer(opts...)
		defer srv.Close()
		tr := benchTransport()
		defer tr.CloseIdleConnections()
		c := newTestClient(t, srv, nil, 6, WithHTTPClient(&http.Client{Transport: tr}),
			WithRetryPolicy(RetryPolicy{MinWait: 2 * time.Millisecond, MaxWait: 50 * time.Millisecond, MaxRetryAfter: time.Second}))
		rep := &syncReport{}
		syncContacts(t, c, srv.LocationID(), n, rep)
		return srv.StateDigest(srv.LocationID()), srv, rep
	}

	want, clean, cleanRep := run()
	require.Empty(t, cleanRep.errs, "the fault-free run saw errors")
	require.Equal(t, n, clean.ContactCount(clean.LocationID()))

	got, srv, rep := run(
		ghltest.WithSeed(11),
		ghltest.WithRateLimit(ghltest.RateLimitConfig{Mode: ghltest.SlidingWindow, Limit: 100, Window: 50 * time.Millisecond}),
		ghltest.WithFaults(ghltest.FaultConfig{
			ServerErrors: 0.05, Resets: 0.05, AfterWrite: 0.05,
			LatencyRate: 0.05, Latency: 5 * time.Millisecond,
			Storms: 0.002, StormLength: 80 * time.Millisecond,
		}),
	)
	f := srv.Faults()
	t.Logf("faults injected: %+v; 429s for the limit: %d", f, srv.RateLimited())
	t.Logf("errors the caller saw: %v; creates confirmed applied: %d, resent after a read: %d", rep.errs, rep.confirmed, rep.resends)

	assert.Empty(t, rep.untyped, "every error must be an APIError, RateLimitError or TransportError")
	assert.Equal(t, n, srv.ContactCount(srv.LocationID()), "no contact lost or duplicated")
	assert.Equal(t, want, got, "state differs from the fault-free run")

	// The run is only meaningful if every kind of fault happened and some reached the caller.
	assert.Positive(t, f.ServerErrors)
	assert.Positive(t, f.Resets)
	assert.Positive(t, f.AfterWriteErrors+f.AfterWriteResets)
	assert.Positive(t, f.Storms)
	assert.Positive(t, rep.confirmed, "no failed create turned out to be applied")
	assert.Positive(t, rep.resends, "no failed create had to be sent again")

	settleGoroutines(t, before)
}

// A hostile or broken server cannot hurt the process: nothing it sends costs memory or time
// in proportion to a value it chooses, and every wait it asks for is bounded.

// TestHostileRateLimitHeadersCostNoMemory feeds a location's budget 1,000 responses that
// claim 50,000,000 requests per window, none left, in a window of a day (one such header made
// the limiter allocate about 1 GB), and compares with a server that claims 50.
func TestHostileRateLimitHeadersCostNoMemory(t *testing.T) {
	measure := func(maxHeader string) (uint64, *windowBudget) {
		b := &windowBudget{limit: 100, window: 10 * time.Second, maxPause: time.Minute, learned: true}
		hdr := parseResponseHeaders(http.Header{"X-Ratelimit-Max": {maxHeader}, "X-Ratelimit-Remaining": {"0"},
			"X-Ratelimit-Interval-Milliseconds": {"86400000"}}, t0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 1000 {
			now := at(i)
			b.observe(Observation{Sent: now, Received: now, StatusCode: 200, RateLimit: hdr.rateLimit}, now)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, b
	}
	small, _ := measure("50")
	huge, b := measure("50000000")
	t.Logf("1,000 responses allocated %d bytes claiming 50 per window, %d bytes claiming 50,000,000", small, huge)
	assert.LessOrEqual(t, huge, uint64(64<<10), "bounded, not in proportion to the header")
	assert.LessOrEqual(t, huge, small+4<<10)
	assert.Equal(t, maxHeaderCount, b.limit, "clamped")
	assert.Equal(t, time.Hour, b.window, "clamped")
	assert.LessOrEqual(t, len(b.buf), 1000, "one log entry per response, however many requests a header claims")
	_, wait, err := b.admit(at(1000))
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle, "a wait of an hour is not waited for")
	assert.Equal(t, time.Hour-time.Second, wait, "until the first response's claim leaves the window")
}

// TestHostileRateLimitHeadersFailFast: one response saying "no request left in a window of a
// day" blocked calls for a day; now the next call fails at once with a *RateLimitError, and
// nothing is sent.
func TestHostileRateLimitHeadersFailFast(t *testing.T) {
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-RateLimit-Max", "50000000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Interval-Milliseconds", "86400000")
		_, _ = io.WriteString(w, contactJSON)
	})
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	require.NoError(t, err)
	start := time.Now()
	_, _, err = c.Contacts.Get(context.Background(), "c1")
	elapsed := time.Since(start)
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Zero(t, rle.StatusCode, "nothing was sent")
	assert.InDelta(t, float64(time.Hour), float64(rle.RetryAfter), float64(time.Minute), "the window, clamped to an hour")
	assert.Less(t, elapsed, time.Second)
	assert.Equal(t, int32(1), calls.Load())
}

// TestRateLimitWaitPastDeadlineFailsAtOnce: a limiter willing to wait out a 30 s window does
// not start a wait that would end after the call's deadline; it fails at once with a
// *RateLimitError, as x/time/rate's Wait does.
func TestRateLimitWaitPastDeadlineFailsAtOnce(t *testing.T) {
	c, mux := setup(t, WithRateLimiter(mustLimiter(WithMaxPause(48*time.Hour))))
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-RateLimit-Max", "1")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Interval-Milliseconds", "30000")
		_, _ = io.WriteString(w, contactJSON)
	})
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err = c.Contacts.Get(ctx, "c1")
	elapsed := time.Since(start)
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.NoError(t, ctx.Err(), "failed before the deadline")
	assert.Less(t, elapsed, time.Second)
	assert.Greater(t, rle.RetryAfter, 25*time.Second)
	assert.LessOrEqual(t, rle.RetryAfter, 30*time.Second)
	assert.Equal(t, 1, rle.RateLimit.Max)
	assert.Equal(t, int32(1), calls.Load())
}

// TestRetryAfterPastDeadlineFailsAtOnce: a 429 whose Retry-After ends after the call's deadline
// is returned at once instead of waited for until the deadline.
func TestRetryAfterPastDeadlineFailsAtOnce(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{429}, http.Header{"Retry-After": {"2"}}, contactJSON))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, _, err := c.Contacts.Get(ctx, "c1")
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, http.StatusTooManyRequests, rle.StatusCode)
	assert.Equal(t, 2*time.Second, rle.RetryAfter)
	assert.NoError(t, ctx.Err(), "failed before the deadline")
	assert.Equal(t, int32(1), calls.Load())
}

// TestHugeRetryAfterIsCappedNotNegative: Retry-After: 9999999999 overflowed into a negative
// wait; it is capped before it is scaled, so the 429 is returned at once with a day to wait,
// and the location stays paused without anything sent.
func TestHugeRetryAfterIsCappedNotNegative(t *testing.T) {
	c, mux := setup(t, fastRetries(3)...)
	var calls atomic.Int32
	mux.HandleFunc("GET /contacts/c1", scripted(t, &calls, []int{429}, http.Header{"Retry-After": {"9999999999"}}, contactJSON))
	_, _, err := c.Contacts.Get(context.Background(), "c1")
	var rle *RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, http.StatusTooManyRequests, rle.StatusCode)
	assert.Equal(t, 24*time.Hour, rle.RetryAfter)
	assert.Equal(t, int32(1), calls.Load())

	_, _, err = c.Contacts.Get(context.Background(), "c1")
	require.ErrorAs(t, err, &rle)
	assert.Zero(t, rle.StatusCode, "refused by the paused limiter, not sent")
	assert.InDelta(t, float64(24*time.Hour), float64(rle.RetryAfter), float64(time.Minute))
	assert.Equal(t, int32(1), calls.Load())
}

// TestRefusedRedirectIsFinal: a redirect to another host was retried (4 requests) and a
// redirect loop made 40; each is now one call's worth of requests, with retries allowed.
func TestRefusedRedirectIsFinal(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Add(1) }))
	defer other.Close()
	c, mux := setup(t, fastRetries(3)...)
	var away, loop atomic.Int32
	mux.HandleFunc("GET /contacts/away", func(w http.ResponseWriter, r *http.Request) {
		away.Add(1)
		http.Redirect(w, r, other.URL+"/contacts/away", http.StatusFound)
	})
	mux.HandleFunc("GET /contacts/loop", func(w http.ResponseWriter, r *http.Request) {
		loop.Add(1)
		http.Redirect(w, r, testBasePath+"/contacts/loop", http.StatusFound)
	})

	_, _, err := c.Contacts.Get(context.Background(), "away")
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "ghl: GET /contacts/{contactId}: ghl: refused redirect to another host ("+strings.TrimPrefix(other.URL, "http://")+") (after 1 attempt(s))", err.Error())
	assert.Equal(t, int32(1), away.Load())
	assert.Zero(t, leaked.Load())

	_, _, err = c.Contacts.Get(context.Background(), "loop")
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "ghl: stopped after 10 redirects", te.Err.Error())
	assert.Equal(t, int32(10), loop.Load())
	assert.Equal(t, 10, te.Attempts, "every hop is an attempt")
}

// stallTransport answers with a 200 announcing a 60 MiB body, sends 1 KiB of it and stalls
// until released, as a hostile server can.
type stallTransport struct {
	stalled sync.WaitGroup // done when a body is read past what was sent
	release chan struct{}
}

func (s *stallTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 60 << 20, Request: r,
		Body: &stallBody{t: s, left: 1 << 10}}, nil
}

type stallBody struct {
	t       *stallTransport
	left    int
	stalled bool
}

func (b *stallBody) Read(p []byte) (int, error) {
	if b.left > 0 {
		n := min(len(p), b.left)
		for i := range n {
			p[i] = ' '
		}
		b.left -= n
		return n, nil
	}
	if !b.stalled {
		b.stalled = true
		b.t.stalled.Done()
	}
	<-b.t.release
	return 0, io.ErrUnexpectedEOF
}

func (b *stallBody) Close() error { return nil }

// TestStalledBodiesHoldWhatWasSent: the body buffer was allocated from Content-Length, so 8
// responses announcing 60 MiB and stalling held 513 MiB; it grows as bytes arrive.
func TestStalledBodiesHoldWhatWasSent(t *testing.T) {
	const calls = 8
	st := &stallTransport{release: make(chan struct{})}
	st.stalled.Add(calls)
	c, err := NewClient(WithBaseURL("http://ghl.stub"), WithAccessToken(testToken), WithLocationID(testLocationID),
		WithHTTPClient(&http.Client{Transport: st}), WithRateLimiter(mustLimiter(WithDefaultLimit(100, time.Second))))
	require.NoError(t, err)
	var before, during runtime.MemStats
	runtime.ReadMemStats(&before)
	errs := make(chan error, calls)
	for range calls {
		go func() {
			_, _, err := c.Contacts.Get(context.Background(), "c1")
			errs <- err
		}()
	}
	st.stalled.Wait()
	runtime.ReadMemStats(&during)
	allocated := during.TotalAlloc - before.TotalAlloc
	close(st.release)
	for range calls {
		assert.ErrorIs(t, <-errs, io.ErrUnexpectedEOF)
	}
	t.Logf("%d responses announcing 60 MiB each and stalling after 1 KiB: %d bytes allocated in all", calls, allocated)
	assert.Less(t, allocated, uint64(1<<20))
}

// TestResponseWithoutValueIsAnError: a 2xx with an empty body, null, {} or an envelope whose
// object is null returned a nil value and a nil error; every method that returns a value now
// returns a *DecodeError matching ErrEmptyResponse. An envelope without its list is an empty
// list; methods that return nothing, and a lookup whose value may be absent, are unaffected.
func TestResponseWithoutValueIsAnError(t *testing.T) {
	ctx := context.Background()
	var body atomic.Value
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body.Load().(string))
	})
	empty := func(b string, call func() error) {
		t.Helper()
		body.Store(b)
		err := call()
		var de *DecodeError
		if assert.ErrorAs(t, err, &de, "body %q", b) {
			assert.ErrorIs(t, err, ErrEmptyResponse)
			assert.Equal(t, http.StatusOK, de.StatusCode)
			assert.Equal(t, b, string(de.Body))
		}
	}
	for _, b := range []string{``, `null`, `{}`, " { }\n", `{"contact":null}`, `{"traceId":"t-1"}`} {
		empty(b, func() error {
			ct, _, err := c.Contacts.Get(ctx, "c1")
			assert.Nil(t, ct)
			return err
		})
		empty(b, func() error {
			_, _, err := c.Contacts.Update(ctx, "c1", &ContactUpdateRequest{City: Ptr("Porto")})
			return err
		})
	}
	for _, b := range []string{``, `null`, `{}`} {
		empty(b, func() error { _, _, err := c.Notes.List(ctx, "c1"); return err })
	}
	empty(`{"task":null}`, func() error { _, _, err := c.Tasks.Get(ctx, "c1", "t1"); return err })
	empty(`{}`, func() error {
		_, _, err := c.Contacts.Upsert(ctx, &ContactUpsertRequest{LocationID: testLocationID, Email: "a@b.co"})
		return err
	})

	for _, b := range []string{`{"notes":[]}`, `{"notes":null}`, `{"traceId":"t-1"}`} {
		body.Store(b)
		notes, _, err := c.Notes.List(ctx, "c1")
		require.NoError(t, err, "an empty list is a value: %s", b)
		assert.Empty(t, notes)
	}
	for _, b := range []string{``, `{}`} {
		body.Store(b)
		_, err := c.Contacts.Delete(ctx, "c1")
		assert.NoError(t, err, "Delete returns nothing: %q", b)
		found, _, err := c.Contacts.FindDuplicate(ctx, &DuplicateOptions{LocationID: testLocationID, Email: "a@b.co"})
		assert.NoError(t, err, "no duplicate: %q", b)
		assert.Nil(t, found)
		var out struct{ ID string }
		_, err = c.Do(ctx, &RawRequest{Method: http.MethodGet, Path: "/custom"}, &out)
		assert.NoError(t, err, "Do decodes what there is: %q", b)
	}
}

// TestReadBody reads bodies with and without a length, and refuses one over the limit
// whatever its length says.
func TestReadBody(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	for _, tc := range []struct {
		name    string
		body    string
		n       int64
		limit   int64
		want    string
		wantErr string
	}{
		{"small with length", `{"a":1}`, 7, 1 << 20, `{"a":1}`, ""},
		{"empty with length", ``, 0, 1 << 20, ``, ""},
		{"large with length", big, int64(len(big)), 1 << 20, big, ""},
		{"large without length", big, -1, 1 << 20, big, ""},
		{"at the limit without length", big[:1000], -1, 1000, big[:1000], ""},
		{"over the limit without length", big[:1001], -1, 1000, "", "response is over the 1000-byte limit"},
		{"length over the limit", big, int64(len(big)), 1000, "", "response of 204800 bytes is over the 1000-byte limit"},
		{"shorter than its length", big[:100<<10], int64(len(big)), 1 << 20, "", "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBody(io.LimitReader(strings.NewReader(tc.body), int64(len(tc.body))), tc.n, tc.limit)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

// TestEveryServiceReturnsEmptyResponse: the methods of every service that return a value
// report a 2xx without it as a *DecodeError matching ErrEmptyResponse (appointments,
// conversation create and update, a sent message without an ID and an empty recording did
// not), and a 2xx acknowledgement that says the action failed as a *NotSucceededError; the
// *Response returned with either holds no token. The documented exceptions stay: a call log
// GHL did not store, and an extension no user has.
func TestEveryServiceReturnsEmptyResponse(t *testing.T) {
	ctx := context.Background()
	var body atomic.Value
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body.Load().(string))
	})
	safe := func(resp *Response, what string) {
		t.Helper()
		if assert.NotNil(t, resp, what) && assert.NotNil(t, resp.Request, what) {
			assert.Empty(t, resp.Request.Header.Get("Authorization"), "%s: the *Response returned with the error holds no token", what)
			assert.Empty(t, secretsReachable(resp, []string{testToken}), what)
		}
	}
	empty := func(b, what string, call func() (any, *Response, error)) {
		t.Helper()
		body.Store(b)
		v, resp, err := call()
		var de *DecodeError
		if assert.ErrorAs(t, err, &de, "%s: body %q", what, b) {
			assert.ErrorIs(t, err, ErrEmptyResponse, what)
			assert.Equal(t, http.StatusOK, de.StatusCode, what)
			assert.Equal(t, b, string(de.Body), what)
		}
		assert.True(t, v == nil || reflect.ValueOf(v).IsZero(), "%s: no value", what)
		safe(resp, what)
	}
	for _, b := range []string{``, `null`, `{}`} {
		empty(b, "Appointments.List", func() (any, *Response, error) { return c.Appointments.List(ctx, "c1") })
		empty(b, "Calendars.List", func() (any, *Response, error) { return c.Calendars.List(ctx, nil) })
		empty(b, "Locations.Tags", func() (any, *Response, error) { return c.Locations.Tags(ctx) })
	}
	for _, b := range []string{`{}`, `{"success":true}`, `{"success":true,"conversation":null}`} {
		empty(b, "Conversations.Create", func() (any, *Response, error) {
			return c.Conversations.Create(ctx, &ConversationCreateRequest{ContactID: "c1"})
		})
		empty(b, "Conversations.Update", func() (any, *Response, error) {
			return c.Conversations.Update(ctx, "cv1", &ConversationUpdateRequest{Starred: Ptr(true)})
		})
	}
	for _, b := range []string{`{}`, `{"traceId":"t-1"}`} {
		empty(b, "Conversations.Get", func() (any, *Response, error) { return c.Conversations.Get(ctx, "cv1") })
		empty(b, "Conversations.GetMessage", func() (any, *Response, error) { return c.Conversations.GetMessage(ctx, "m1") })
		empty(b, "Calendars.GetAppointment", func() (any, *Response, error) { return c.Calendars.GetAppointment(ctx, "e1") })
		empty(b, "Locations.Get", func() (any, *Response, error) { return c.Locations.Get(ctx, "l1") })
	}
	empty(`{}`, "Users.Get", func() (any, *Response, error) { return c.Users.Get(ctx, "u1") })
	empty(`{"message":null}`, "Conversations.GetMessage", func() (any, *Response, error) { return c.Conversations.GetMessage(ctx, "m1") })
	for _, b := range []string{`{}`, `{"conversationId":"cv1","msg":"queued"}`, `{"messageId":"","messageIds":[]}`} {
		empty(b, "Conversations.SendMessage", func() (any, *Response, error) {
			return c.Conversations.SendMessage(ctx, &SendMessageRequest{Type: ChannelSMS, ContactID: "c1", Message: "hi"})
		})
	}
	empty(`{"customField":null}`, "Locations.GetCustomField", func() (any, *Response, error) { return c.Locations.GetCustomField(ctx, "f1") })
	// A recording GHL answers with an empty body (Content-Length: 0): nothing to stream.
	empty(``, "Conversations.Recording", func() (any, *Response, error) { return c.Conversations.Recording(ctx, "m1") })

	// An acknowledgement that says the action failed.
	for _, tc := range []struct {
		b, what string
		call    func() (*Response, error)
	}{
		{`{"success":false}`, "Conversations.Create", func() (*Response, error) {
			_, resp, err := c.Conversations.Create(ctx, &ConversationCreateRequest{ContactID: "c1"})
			return resp, err
		}},
		{`{"success":false}`, "Conversations.Delete", func() (*Response, error) { return c.Conversations.Delete(ctx, "cv1") }},
		{`{"success":false}`, "Calendars.DeleteAppointmentNote", func() (*Response, error) { return c.Calendars.DeleteAppointmentNote(ctx, "a1", "n1") }},
		{`{"succeded":false}`, "Contacts.AddToCampaign", func() (*Response, error) { return c.Contacts.AddToCampaign(ctx, "c1", "cmp1") }},
		{`{"status":404}`, "Conversations.CancelScheduled", func() (*Response, error) { return c.Conversations.CancelScheduled(ctx, "m1") }},
	} {
		body.Store(tc.b)
		resp, err := tc.call()
		assert.ErrorIs(t, err, ErrNotSucceeded, tc.what)
		safe(resp, tc.what)
	}

	// The exceptions: GHL's silent 2xx to a call log is a provider error, not ErrEmptyResponse.
	body.Store(``)
	_, resp, err := c.Conversations.LogCall(ctx, &CallLogRequest{Direction: DirectionOutbound, ContactID: "c1", ConversationProviderID: "p1"})
	var cpe *ConversationProviderError
	require.ErrorAs(t, err, &cpe)
	assert.Equal(t, ProviderNotStored, cpe.Problem)
	assert.ErrorIs(t, err, ErrMessageNotStored)
	assert.NotErrorIs(t, err, ErrEmptyResponse)
	safe(resp, "Conversations.LogCall")
	// An extension no user has is nil, nil.
	mux.HandleFunc("/locations/"+testLocationID, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"location":{"id":"`+testLocationID+`","companyId":"co-1"}}`)
	})
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"users":[],"count":0}`)
	})
	u, _, err := c.Users.ByExtension(ctx, "201")
	require.NoError(t, err)
	assert.Nil(t, u)
}
