package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
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
