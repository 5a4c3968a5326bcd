package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// searchPager serves POST /contacts/search over n contacts ("c00000"...), each with the
// mixed cursor [i, "id"], honouring pageLimit and searchAfter. It records each raw body.
type searchPager struct {
	t      *testing.T
	n      int
	mu     sync.Mutex
	bodies []string
	// page, if set, replaces the computed page (to simulate broken servers); call is 1-based.
	page func(call int, req map[string]json.RawMessage) string
}

func (p *searchPager) handle(w http.ResponseWriter, r *http.Request) {
	testMethod(p.t, r, http.MethodPost)
	testHeaders(p.t, r, true)
	raw, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.bodies = append(p.bodies, string(raw))
	call := len(p.bodies)
	p.mu.Unlock()
	var req map[string]json.RawMessage
	require.NoError(p.t, json.Unmarshal(raw, &req))
	if p.page != nil {
		if call > 20 {
			// A pager that keeps going against a broken server: end the walk so the test
			// fails on its assertions instead of running on.
			p.t.Errorf("request %d: the pager did not stop", call)
			_, _ = io.WriteString(w, `{"contacts":[],"total":0}`)
			return
		}
		_, _ = io.WriteString(w, p.page(call, req))
		return
	}
	var limit int
	require.NoError(p.t, json.Unmarshal(req["pageLimit"], &limit))
	start := 0
	if sa, ok := req["searchAfter"]; ok {
		var cur []json.RawMessage
		require.NoError(p.t, json.Unmarshal(sa, &cur))
		require.NoError(p.t, json.Unmarshal(cur[0], &start))
		start++
	}
	var b strings.Builder
	b.WriteString(`{"contacts":[`)
	for i := start; i < start+limit && i < p.n; i++ {
		if i > start {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"c%05d","searchAfter":[%d,"c%05d"]}`, i, i, i)
	}
	fmt.Fprintf(&b, `],"total":%d}`, p.n)
	_, _ = io.WriteString(w, b.String())
}

func (p *searchPager) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.bodies...)
}

func newSearchPager(t *testing.T, n int) (*Client, *searchPager) {
	client, mux := setup(t)
	p := &searchPager{t: t, n: n}
	mux.HandleFunc("/contacts/search", p.handle)
	return client, p
}

// collect runs seq to the end, failing the test if it does not end within a minute (far more
// than any of these walks needs, even on a loaded machine), so a pager that loops forever
// fails instead of hanging the suite.
func collect(t *testing.T, seq func(func(*Contact, error) bool)) ([]string, error) {
	t.Helper()
	type result struct {
		ids []string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		for c, err := range seq {
			if err != nil {
				r.err = err
				continue // iteration must end by itself after an error
			}
			r.ids = append(r.ids, c.ID)
			if len(r.ids) > 1_000_000 {
				break
			}
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r.ids, r.err
	case <-time.After(time.Minute):
		t.Fatal("iteration did not end")
		return nil, nil
	}
}

func wantIDs(from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprintf("c%05d", i))
	}
	return ids
}

func TestSearchAllPagesByCursor(t *testing.T) {
	for _, n := range []int{0, 1, 499, 500, 1000, 1203} {
		client, p := newSearchPager(t, n)
		ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{
			Filters: []SearchFilter{Exists("email")},
			Sort:    []SearchSort{{Field: "dateAdded", Direction: SortAsc}},
		}))
		require.NoError(t, err, n)
		assert.Equal(t, wantIDs(0, n), ids, n)

		// The first page has no cursor; every later one carries the last contact's cursor and
		// no page number, with the maximum page size throughout.
		sent := p.sent()
		require.Len(t, sent, n/500+1, n)
		common := `"locationId":"loc-test-1","pageLimit":500,"filters":[{"field":"email","operator":"exists"}],"sort":[{"field":"dateAdded","direction":"asc"}]`
		assert.JSONEq(t, `{`+common+`}`, sent[0])
		for i := 1; i < len(sent); i++ {
			last := i*500 - 1
			assert.JSONEq(t, fmt.Sprintf(`{%s,"searchAfter":[%d,"c%05d"]}`, common, last, last), sent[i], "request %d", i)
		}
	}
}

func TestSearchAllPageLimit(t *testing.T) {
	for limit, want := range map[int]int{0: 500, 501: 500, 10_000: 500, 7: 7, 500: 500} {
		client, p := newSearchPager(t, 20)
		ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: limit}))
		require.NoError(t, err)
		assert.Equal(t, wantIDs(0, 20), ids)
		var body struct{ PageLimit int }
		require.NoError(t, json.Unmarshal([]byte(p.sent()[0]), &body))
		assert.Equal(t, want, body.PageLimit, "PageLimit %d", limit)
	}
}

func TestSearchAllPageOneThenCursor(t *testing.T) {
	client, p := newSearchPager(t, 12)
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{Page: 1, PageLimit: 5}))
	require.NoError(t, err)
	assert.Equal(t, wantIDs(0, 12), ids)
	sent := p.sent()
	require.Len(t, sent, 3)
	assert.JSONEq(t, `{"locationId":"loc-test-1","page":1,"pageLimit":5}`, sent[0])
	assert.JSONEq(t, `{"locationId":"loc-test-1","pageLimit":5,"searchAfter":[4,"c00004"]}`, sent[1])
	assert.JSONEq(t, `{"locationId":"loc-test-1","pageLimit":5,"searchAfter":[9,"c00009"]}`, sent[2])
}

func TestSearchAllStartsAfterGivenCursor(t *testing.T) {
	client, p := newSearchPager(t, 12)
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 5, SearchAfter: json.RawMessage(`[6,"c00006"]`)}))
	require.NoError(t, err)
	assert.Equal(t, wantIDs(7, 12), ids)
	sent := p.sent()
	require.Len(t, sent, 2) // the first page was full, so an empty one ends the walk
	assert.JSONEq(t, `{"locationId":"loc-test-1","pageLimit":5,"searchAfter":[6,"c00006"]}`, sent[0])
}

func TestSearchAllRejectsBadRequestsWithoutSending(t *testing.T) {
	client, p := newSearchPager(t, 5)
	for _, req := range []*SearchRequest{{Page: 2}, {Page: -1}, {PageLimit: -3}, {Query: strings.Repeat("x", 80)}, {Filters: []SearchFilter{{Field: "a"}}}} {
		ids, err := collect(t, client.Contacts.SearchAll(context.Background(), req))
		assert.Empty(t, ids)
		assert.ErrorIs(t, err, ErrInvalidParam, "%+v", req)
	}
	assert.Empty(t, p.sent())
}

// A cursor like [number, "id"] goes back exactly as the server sent it, including a number
// that a float64 cannot hold.
func TestSearchAllSendsMixedCursorBackByteForByte(t *testing.T) {
	const cursor = `[9007199254740993,"102goXVW3lIExEQPOnd3",1.50e3,-0.0,null,true]`
	client, p := newSearchPager(t, 0)
	p.page = func(call int, req map[string]json.RawMessage) string {
		if call == 1 {
			return `{"contacts":[{"id":"a","searchAfter":` + cursor + `}],"total":1}`
		}
		return `{"contacts":[],"total":1}`
	}
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 1}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids)
	sent := p.sent()
	require.Len(t, sent, 2)
	assert.Contains(t, sent[1], `"searchAfter":`+cursor)
}

func TestSearchAllFailsOnRepeatedCursor(t *testing.T) {
	client, p := newSearchPager(t, 0)
	// A broken server that answers every request with the same full page.
	p.page = func(int, map[string]json.RawMessage) string {
		return `{"contacts":[{"id":"a","searchAfter":[1,"a"]},{"id":"b","searchAfter":[2,"b"]}],"total":100}`
	}
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 2}))
	var pe *PaginationError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, ErrPagination)
	assert.Equal(t, PaginationError{Route: "/contacts/search", Page: 2, Reason: "the server sent a cursor it had already sent"}, *pe)
	// The replayed page is not yielded again.
	assert.Equal(t, []string{"a", "b"}, ids)
	assert.Len(t, p.sent(), 2)
}

func TestSearchAllFailsOnCursorCycle(t *testing.T) {
	client, p := newSearchPager(t, 0)
	// Pages cycle 1 -> 2 -> 1.
	p.page = func(call int, _ map[string]json.RawMessage) string {
		if call%2 == 1 {
			return `{"contacts":[{"id":"a","searchAfter":[1,"a"]}],"total":100}`
		}
		return `{"contacts":[{"id":"b","searchAfter":[2,"b"]}],"total":100}`
	}
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 1}))
	assert.ErrorIs(t, err, ErrPagination)
	assert.Equal(t, []string{"a", "b"}, ids)
	assert.Len(t, p.sent(), 3)
}

func TestSearchAllFullPageWithoutCursor(t *testing.T) {
	// The server claims more but gives no cursor: the page is yielded, then an error.
	client, p := newSearchPager(t, 0)
	p.page = func(int, map[string]json.RawMessage) string {
		return `{"contacts":[{"id":"a"},{"id":"b"}],"total":5}`
	}
	ids, err := collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 2}))
	var pe *PaginationError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Reason, "no cursor")
	assert.Equal(t, []string{"a", "b"}, ids)
	assert.Len(t, p.sent(), 1)

	// When the count says nothing is left, a missing cursor is simply the end.
	client, p = newSearchPager(t, 0)
	p.page = func(int, map[string]json.RawMessage) string {
		return `{"contacts":[{"id":"a"},{"id":"b","searchAfter":null}],"total":2}`
	}
	ids, err = collect(t, client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 2}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ids)
	assert.Len(t, p.sent(), 1)
}

func TestSearchAllStopsAfterAnError(t *testing.T) {
	client, p := newSearchPager(t, 0)
	p.page = func(call int, _ map[string]json.RawMessage) string {
		if call == 1 {
			return `{"contacts":[{"id":"a","searchAfter":[1,"a"]}],"total":9}`
		}
		return `not json`
	}
	var got []error
	var ids []string
	for c, err := range client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 1}) {
		if err != nil {
			got = append(got, err)
			continue
		}
		ids = append(ids, c.ID)
	}
	require.Len(t, got, 1)
	var de *DecodeError
	assert.ErrorAs(t, got[0], &de)
	assert.Equal(t, []string{"a"}, ids)
	assert.Len(t, p.sent(), 2)
}

func TestSearchAllChecksContextBetweenPages(t *testing.T) {
	client, p := newSearchPager(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ids []string
	var gotErr error
	for c, err := range client.Contacts.SearchAll(ctx, &SearchRequest{PageLimit: 10}) {
		if err != nil {
			gotErr = err
			continue
		}
		ids = append(ids, c.ID)
		if len(ids) == 10 {
			cancel() // after the last item of the first page
		}
	}
	assert.ErrorIs(t, gotErr, context.Canceled)
	assert.Equal(t, wantIDs(0, 10), ids)
	// The second page was being fetched ahead while the first was read; it was cancelled
	// (it may or may not have reached the server first), and nothing was sent after it.
	assert.LessOrEqual(t, len(p.sent()), 2, "no page is fetched after ctx is done")
	requireNoPrefetchLeft(t)
}

func TestSearchAllEarlyBreak(t *testing.T) {
	client, p := newSearchPager(t, 30)
	var ids []string
	for c, err := range client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 10}) {
		require.NoError(t, err)
		ids = append(ids, c.ID)
		if len(ids) == 3 {
			break
		}
	}
	assert.Equal(t, wantIDs(0, 3), ids)
	assert.LessOrEqual(t, len(p.sent()), 2, "the page read, and at most the one fetched ahead")
	requireNoPrefetchLeft(t)
}

func TestSearchAllCanBeRangedAgain(t *testing.T) {
	client, p := newSearchPager(t, 25)
	seq := client.Contacts.SearchAll(context.Background(), &SearchRequest{PageLimit: 10})
	for range 2 {
		ids, err := collect(t, seq)
		require.NoError(t, err)
		assert.Equal(t, wantIDs(0, 25), ids)
	}
	assert.Len(t, p.sent(), 6)
}

func TestListAllFollowsMetaCursor(t *testing.T) {
	client, mux := setup(t)
	var queries []string
	mux.HandleFunc("/contacts/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testHeaders(t, r, false)
		assert.Equal(t, "/contacts/", r.URL.Path)
		queries = append(queries, r.URL.RawQuery)
		switch len(queries) {
		case 1:
			fmt.Fprint(w, `{"contacts":[{"id":"a"},{"id":"b"}],"count":5,"meta":{"total":5,"startAfterId":"b","startAfter":1631087949919,"nextPage":2}}`)
		case 2:
			fmt.Fprint(w, `{"contacts":[{"id":"c"},{"id":"d"}],"count":5,"meta":{"total":5,"startAfterId":"d","startAfter":1631087949920,"nextPage":3}}`)
		default:
			fmt.Fprint(w, `{"contacts":[{"id":"e"}],"count":5,"meta":{"total":5,"startAfterId":"e","startAfter":1631087949921,"nextPage":null}}`)
		}
	})
	ids, err := collect(t, client.Contacts.ListAll(context.Background(), &ListOptions{Limit: 2, Query: "j+k"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, ids)
	assert.Equal(t, []string{
		"limit=2&locationId=loc-test-1&query=j%2Bk",
		"limit=2&locationId=loc-test-1&query=j%2Bk&startAfter=1631087949919&startAfterId=b",
		"limit=2&locationId=loc-test-1&query=j%2Bk&startAfter=1631087949920&startAfterId=d",
	}, queries)
}

func TestListAllDefaultsAndErrors(t *testing.T) {
	client, mux := setup(t)
	var queries []string
	mux.HandleFunc("/contacts/", func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		// A full page, no cursor, yet a next page announced.
		var b strings.Builder
		b.WriteString(`{"contacts":[`)
		for i := range 100 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"c%05d"}`, i)
		}
		b.WriteString(`],"meta":{"nextPageUrl":"http://x/contacts/?startAfterId="}}`)
		fmt.Fprint(w, b.String())
	})
	ids, err := collect(t, client.Contacts.ListAll(context.Background(), nil))
	assert.ErrorIs(t, err, ErrPagination)
	assert.Equal(t, wantIDs(0, 100), ids)
	assert.Equal(t, []string{"limit=100&locationId=loc-test-1"}, queries)

	ids, err = collect(t, client.Contacts.ListAll(context.Background(), &ListOptions{Limit: 500}))
	assert.ErrorIs(t, err, ErrInvalidParam)
	assert.Empty(t, ids)
	assert.Len(t, queries, 1)
}

func TestListByBusinessAllPagesBySkip(t *testing.T) {
	client, mux := setup(t)
	var queries []string
	mux.HandleFunc("/contacts/business/b%2F1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		queries = append(queries, r.URL.RawQuery)
		var skip int
		fmt.Sscan(r.URL.Query().Get("skip"), &skip)
		var b strings.Builder
		b.WriteString(`{"contacts":[`)
		for i := skip; i < skip+3 && i < 7; i++ {
			if i > skip {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"c%05d"}`, i)
		}
		b.WriteString(`],"count":7}`)
		fmt.Fprint(w, b.String())
	})
	ids, err := collect(t, client.Contacts.listByBusinessAll(context.Background(), "b/1", &ListByBusinessOptions{Limit: 3, Skip: 1}))
	require.NoError(t, err)
	assert.Equal(t, wantIDs(1, 7), ids)
	assert.Equal(t, []string{
		"limit=3&locationId=loc-test-1&skip=1",
		"limit=3&locationId=loc-test-1&skip=4",
	}, queries)
}

func TestPaginateGeneric(t *testing.T) {
	ctx := context.Background()
	// Pages of ints keyed by cursor; a nil context and a fetch error end iteration.
	pages := map[int]pageOf[int, int]{
		0: {items: []int{1, 2}, more: true, next: 5},
		5: {items: []int{3}, more: true, next: 9},
		9: {items: []int{4}},
	}
	calls := 0
	fetch := func(_ context.Context, c, yielded int) (pageOf[int, int], error) {
		if calls++; calls > 100 {
			return pageOf[int, int]{}, errors.New("the pager did not stop")
		}
		p, ok := pages[c]
		if !ok {
			return p, errors.New("no such page")
		}
		return p, nil
	}
	var got []int
	for v, err := range paginate(ctx, "/r", 0, fetch) {
		require.NoError(t, err)
		got = append(got, v)
	}
	assert.Equal(t, []int{1, 2, 3, 4}, got)

	// fetch learns how many items came before its page.
	var seen []int
	for range paginate(ctx, "/r", 0, func(ctx context.Context, c, yielded int) (pageOf[int, int], error) {
		seen = append(seen, yielded)
		return fetch(ctx, c, yielded)
	}) {
	}
	assert.Equal(t, []int{0, 2, 3}, seen)

	// The start cursor counts as sent.
	calls = 0
	pages[9] = pageOf[int, int]{items: []int{4}, more: true, next: 5}
	var errs []error
	for _, err := range paginate(ctx, "/r", 5, fetch) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrPagination)
	assert.Equal(t, 2, calls)

	// A nil context is reported, not a panic.
	//lint:ignore SA1012 the test checks that a nil context is refused
	for _, err := range paginate[int, int](nil, "/r", 0, fetch) {
		assert.EqualError(t, err, "ghl: nil context")
	}
}
