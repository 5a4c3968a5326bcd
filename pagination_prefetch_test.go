package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prefetchGoroutines counts the goroutines fetching a page ahead.
func prefetchGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("ghl-go.startPrefetch"))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// requireNoPrefetchLeft fails unless every page fetch started ahead has ended. The pager waits
// for the fetch it cancels, so only the goroutine's last instructions can still be running:
// it looks a few times, as goleak does, before it fails.
func requireNoPrefetchLeft(t *testing.T) {
	t.Helper()
	for range 200 {
		if prefetchGoroutines() == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("a page fetch outlived its iterator:\n%s", buf[:runtime.Stack(buf, true)])
}

// intPages serves n pages of size items each; page p (from 0) holds p*size ... The cursor is
// the next page's number.
func intPages(n, size int) func(context.Context, int, int) (pageOf[int, int], error) {
	return func(_ context.Context, c, _ int) (pageOf[int, int], error) {
		p := pageOf[int, int]{}
		for i := range size {
			p.items = append(p.items, c*size+i)
		}
		if c+1 < n {
			p.more, p.next = true, c+1
		}
		return p, nil
	}
}

func TestPaginateHoldsAtMostTwoPages(t *testing.T) {
	const pages, size = 6, 3
	var fetched atomic.Int32
	inner := intPages(pages, size)
	fetch := func(ctx context.Context, c, yielded int) (pageOf[int, int], error) {
		fetched.Add(1)
		assert.Equal(t, c*size, yielded, "items before page %d", c)
		return inner(ctx, c, yielded)
	}
	var got []int
	for v, err := range paginate(context.Background(), "/r", 0, fetch) {
		require.NoError(t, err)
		page := int32(v / size)
		// While page p is yielded, pages up to p+1 may have been fetched, never p+2.
		assert.LessOrEqual(t, fetched.Load(), page+2, "item %d", v)
		got = append(got, v)
		if v%size == 0 {
			time.Sleep(5 * time.Millisecond) // let a too eager pager show itself
		}
	}
	assert.Len(t, got, pages*size)
	for i, v := range got {
		require.Equal(t, i, v, "items in order")
	}
	assert.EqualValues(t, pages, fetched.Load())
	requireNoPrefetchLeft(t)
}

func TestPaginateErrorAfterTheLastGoodPageOnce(t *testing.T) {
	boom := errors.New("page 3 failed")
	inner := intPages(10, 2)
	var calls atomic.Int32
	fetch := func(ctx context.Context, c, y int) (pageOf[int, int], error) {
		if calls.Add(1); c == 2 {
			return pageOf[int, int]{}, boom
		}
		return inner(ctx, c, y)
	}
	var got []int
	var errs []error
	for v, err := range paginate(context.Background(), "/r", 0, fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, v)
	}
	assert.Equal(t, []int{0, 1, 2, 3}, got)
	require.Len(t, errs, 1)
	assert.Same(t, boom, errs[0])
	assert.EqualValues(t, 3, calls.Load(), "nothing is fetched after the failed page")
	requireNoPrefetchLeft(t)
}

func TestPaginateStopsThePrefetchWhenTheCallerBreaks(t *testing.T) {
	started := make(chan struct{})
	var cancelled atomic.Bool
	fetch := func(ctx context.Context, c, _ int) (pageOf[int, int], error) {
		if c == 0 {
			return pageOf[int, int]{items: []int{1, 2, 3}, more: true, next: 1}, nil
		}
		close(started)
		<-ctx.Done() // a slow server: only the cancellation ends it
		cancelled.Store(true)
		return pageOf[int, int]{}, ctx.Err()
	}
	for v, err := range paginate(context.Background(), "/r", 0, fetch) {
		require.NoError(t, err)
		if v == 2 {
			<-started
			break
		}
	}
	assert.True(t, cancelled.Load(), "the loop returns only after the fetch ahead has ended")
	requireNoPrefetchLeft(t)
}

func TestPaginateContextEndsWhileTheCallerWorks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fetch := func(ctx context.Context, c, _ int) (pageOf[int, int], error) {
		if c == 0 {
			return pageOf[int, int]{items: []int{1, 2}, more: true, next: 1}, nil
		}
		<-ctx.Done()
		return pageOf[int, int]{}, fmt.Errorf("the fetch's own error: %w", ctx.Err())
	}
	var got []int
	var errs []error
	for v, err := range paginate(ctx, "/contacts/search", 0, fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, v)
		cancel()
	}
	assert.Equal(t, []int{1, 2}, got, "the page in hand is yielded whole")
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "ghl: paging /contacts/search: context canceled", "as before prefetching: the pager's error, not the fetch's")
	requireNoPrefetchLeft(t)
}

func TestPaginateRaisesAPanicOfTheFetchInTheCaller(t *testing.T) {
	fetch := func(_ context.Context, c, _ int) (pageOf[int, int], error) {
		if c == 1 {
			panic("fetch bug")
		}
		return pageOf[int, int]{items: []int{1}, more: true, next: 1}, nil
	}
	assert.PanicsWithValue(t, "fetch bug", func() {
		for range paginate(context.Background(), "/r", 0, fetch) {
		}
	})
	requireNoPrefetchLeft(t)
}

// slowPageServer serves pages of contacts for POST /contacts/search, each after delay (or
// until the request is cancelled). It records how many requests were in flight at once.
type slowPageServer struct {
	pages, size int
	delay       time.Duration
	inFlight    atomic.Int32
	maxInFlight atomic.Int32
	served      atomic.Int32
}

func (s *slowPageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	var req struct {
		SearchAfter []int `json:"searchAfter"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &req)
	page := 0
	if len(req.SearchAfter) > 0 {
		page = req.SearchAfter[0] + 1
	}
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return
	}
	var b strings.Builder
	b.WriteString(`{"contacts":[`)
	if page < s.pages {
		for i := range s.size {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%d-%d","searchAfter":[%d,"p%d-%d"]}`, page, i, page, page, i)
		}
	}
	fmt.Fprintf(&b, `],"total":%d}`, s.pages*s.size)
	s.served.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, b.String())
}

// walkSlowPages walks pages of a server that takes delay per page, working work per page.
func walkSlowPages(tb testing.TB, pages int, delay, work time.Duration) (time.Duration, *slowPageServer) {
	s := &slowPageServer{pages: pages, size: 5, delay: delay}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(testToken), WithLocationID(testLocationID))
	require.NoError(tb, err)
	start := time.Now()
	n := 0
	for _, err := range c.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 5}) {
		require.NoError(tb, err)
		if n%5 == 0 {
			time.Sleep(work) // the caller's work on the page
		}
		n++
	}
	elapsed := time.Since(start)
	require.Equal(tb, pages*5, n)
	return elapsed, s
}

// TestSearchAllOverlapsTheNextPageWithTheCallersWork walks 20 pages from a server that takes
// 50 ms per page while the caller spends 50 ms on each: one after the other that takes
// 2 s, overlapped about 1.05 s. The bound is generous (BenchmarkPrefetchWalk measures).
func TestSearchAllOverlapsTheNextPageWithTheCallersWork(t *testing.T) {
	const pages, per = 20, 50 * time.Millisecond
	elapsed, s := walkSlowPages(t, pages, per, per)
	t.Logf("20 pages: %v (%.2fx of 20 x %v)", elapsed.Round(time.Millisecond), float64(elapsed)/float64(pages*per), per)
	assert.Less(t, elapsed, pages*per*3/2, "the next page is not fetched while the caller works")
	assert.EqualValues(t, 1, s.maxInFlight.Load(), "one request at a time")
	assert.EqualValues(t, pages+1, s.served.Load(), "every page once, and the empty one that ends the walk")
	requireNoPrefetchLeft(t)
}

// BenchmarkPrefetchWalk walks 20 pages from a server that takes 100 ms per page, the caller
// spending 100 ms on each page, and reports the wall time over 20 x 100 ms (2x without
// overlap; 1.05x is the least possible: the first page cannot overlap).
//
//	go test -run '^$' -bench 'BenchmarkPrefetchWalk' -benchtime 1x -count 5 .
func BenchmarkPrefetchWalk(b *testing.B) {
	const pages, per = 20, 100 * time.Millisecond
	var total time.Duration
	for range b.N {
		elapsed, _ := walkSlowPages(b, pages, per, per)
		total += elapsed
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(pages*per), "x-ideal")
	b.ReportMetric(0, "ns/op")
}

// TestPrefetchKeepsUsersResponseUnraced: ByExtension reads the *Response the pager's fetch
// writes; the pager hands it over through the page, so the race detector stays quiet.
func TestPrefetchKeepsUsersResponseUnraced(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	client, mux := setup(t)
	expectHomeLocation(t, mux, "comp-1")
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		skip := r.URL.Query().Get("skip")
		switch skip {
		case "":
			fmt.Fprint(w, `{"users":[`+strings.Repeat(`{"id":"u","extension":"1"},`, 99)+`{"id":"x","extension":"7"}],"count":150}`)
		default:
			fmt.Fprint(w, `{"users":[{"id":"y","extension":"2"}],"count":150}`)
		}
	})
	u, resp, err := client.Users.ByExtension(context.Background(), "7")
	require.NoError(t, err)
	assert.Equal(t, "x", u.ID)
	require.NotNil(t, resp)
	mu.Lock()
	assert.Equal(t, 2, calls)
	mu.Unlock()
	requireNoPrefetchLeft(t)
}
