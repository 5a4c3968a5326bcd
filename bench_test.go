package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// benchContactJSON is a GHL-shaped single-contact response of about 2 KB: the fields of the
// performance baseline's fixture (10 tags, 14 custom fields of mixed types, DND settings,
// dates, attachments) and one field the SDK does not name.
func benchContactJSON() []byte {
	b, _ := json.Marshal(map[string]any{"contact": benchContact(0)})
	return b
}

// benchContact is the i-th contact of the fixtures, as GHL sends it. Contact 0 is the single
// contact of the Get benchmarks; the others vary as a location's contacts do: names,
// e-mail addresses, phones, addresses, dates and custom field values differ, while the
// location, custom field IDs, users, tags and DND texts come from small sets.
func benchContact(i int) map[string]any {
	cf := make([]map[string]any, 14)
	for j := range cf {
		var v any
		switch j % 3 {
		case 0:
			v = "value-" + strconv.Itoa(j) + "-lorem-ipsum-" + strconv.Itoa(i)
		case 1:
			v = 1000 + j + i
		default:
			v = []string{"option-a", "option-" + string(rune('b'+i%5))}
		}
		cf[j] = map[string]any{"id": fmt.Sprintf("cfId%016d", j), "value": v}
	}
	tags := make([]string, 10)
	for j := range tags {
		tags[j] = "tag-number-" + strconv.Itoa((i+j)%15)
	}
	dnd := map[string]any{}
	for _, ch := range []string{"Call", "Email", "SMS"} {
		dnd[ch] = map[string]any{"status": "active", "message": "opted out by phone", "code": "103"}
	}
	if i == 0 {
		return map[string]any{
			"id": "ocQHyuzHvysMo5N5VsXc", "locationId": "C2QujeCh8ZnC7al2InWR", "firstName": "Rosalind",
			"lastName": "Franklin-Whitfield", "name": "Rosalind Franklin-Whitfield", "email": "rosalind.franklin@example-research.org",
			"phone": "+14155550132", "tags": tags, "customFields": cf, "dnd": true, "dndSettings": dnd,
			"address1": "3535 Peachtree Road NE, Suite 520", "city": "Atlanta", "state": "GA", "country": "US", "postalCode": "30326",
			"dateAdded": "2024-06-06T18:54:57.221Z", "dateUpdated": "2025-01-14T09:21:03.004Z", "source": "public api",
			"assignedTo": "y0BeYjuRIlDwsDcOHOJo", "attachments": "attachment-one.pdf,attachment-two.png",
			"companyName": "Franklin Whitfield Research Laboratories", "website": "https://www.example-research.org/people/rosalind",
			"timezone": "America/New_York", "type": "lead", "additionalEmails": []string{"r.franklin@example-lab.org"},
			// A field the Contact type does not name, as real responses carry: kept in Extra.
			"profilePhoto": "https://images.example-cdn.com/u/ocQHyuzHvysMo5N5VsXc/avatar.png",
		}
	}
	first := []string{"Rosalind", "Grace", "Ada", "Alan", "Barbara", "Edsger", "Frances", "Hedy", "Katherine", "Linus", "Margaret", "Niklaus"}[i%12]
	last := []string{"Franklin-Whitfield", "Hopper", "Lovelace", "Turing", "Liskov", "Dijkstra", "Allen", "Lamarr", "Johnson", "Torvalds"}[i%10]
	city := [][3]string{{"Atlanta", "GA", "30326"}, {"Boston", "MA", "02110"}, {"Chicago", "IL", "60601"}, {"Denver", "CO", "80202"},
		{"Seattle", "WA", "98101"}, {"Austin", "TX", "78701"}}[i%6]
	id := fmt.Sprintf("ocQHyuzHvys%09d", i)
	at := time.Date(2024, 6, 6, 18, 54, 57, 221e6, time.UTC).Add(time.Duration(i) * 37 * time.Minute)
	return map[string]any{
		"id": id, "locationId": "C2QujeCh8ZnC7al2InWR", "firstName": first,
		"lastName": last, "name": first + " " + last, "email": fmt.Sprintf("%s.%s.%d@example-research.org", strings.ToLower(first), strings.ToLower(last), i),
		"phone": fmt.Sprintf("+1415555%04d", i%10000), "tags": tags, "customFields": cf, "dnd": i%4 == 0, "dndSettings": dnd,
		"address1": fmt.Sprintf("%d Peachtree Road NE, Suite %d", 100+i, i%900), "city": city[0], "state": city[1], "country": "US", "postalCode": city[2],
		"dateAdded": at.Format(ghlTimeLayout), "dateUpdated": at.Add(90 * 24 * time.Hour).Format(ghlTimeLayout), "source": "public api",
		"assignedTo":  []string{"y0BeYjuRIlDwsDcOHOJo", "k2LmQpRsTuVwXyZa1234", "Qw3rTy5UiOpAsDfGhJkL"}[i%3],
		"attachments": "attachment-one.pdf,attachment-two.png",
		"companyName": fmt.Sprintf("%s Research Laboratories %d", last, i%40), "website": fmt.Sprintf("https://www.example-research.org/people/%s-%d", strings.ToLower(first), i),
		"timezone": "America/New_York", "type": "lead", "additionalEmails": []string{fmt.Sprintf("%s.%d@example-lab.org", strings.ToLower(first), i)},
		// A field the Contact type does not name, as real responses carry: kept in Extra.
		"profilePhoto": "https://images.example-cdn.com/u/" + id + "/avatar.png",
	}
}

// benchServer serves body for GET /contacts/{id} with Content-Length over keep-alive loopback,
// advertising a budget too large to pace the SDK (as ghltest does without limits).
func benchServer(tb testing.TB, body []byte) *httptest.Server {
	cl := strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{cl}
		h["X-Ratelimit-Max"] = []string{"1000000"}
		h["X-Ratelimit-Remaining"] = []string{"999999"}
		h["X-Ratelimit-Interval-Milliseconds"] = []string{"10000"}
		h["X-Ratelimit-Limit-Daily"] = []string{"1000000000"}
		h["X-Ratelimit-Daily-Remaining"] = []string{"999999999"}
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func benchTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// rawContact is Contact without its methods: what a hand-written client would decode into.
type rawContact Contact

type rawContactResponse struct {
	Contact rawContact `json:"contact"`
}

// BenchmarkGet compares Contacts.Get through the whole SDK (retry loop, limiter, token,
// observer hooks, error mapping, unknown-field capture) with a raw net/http + encoding/json
// request for the same bytes, in the same run. Both count the in-process server's allocations.
//
//	go test -run '^$' -bench 'BenchmarkGet$' -benchmem -count 5 .
func BenchmarkGet(b *testing.B) {
	body := benchContactJSON()
	srv := benchServer(b, body)
	const id = "ocQHyuzHvysMo5N5VsXc"

	b.Run("raw", func(b *testing.B) {
		tr := benchTransport()
		defer tr.CloseIdleConnections()
		get := rawContactGet(b, &http.Client{Transport: tr}, srv.URL, id)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			get()
		}
	})

	b.Run("sdk", func(b *testing.B) {
		tr := benchTransport()
		defer tr.CloseIdleConnections()
		c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(testToken), WithLocationID(testLocationID),
			WithHTTPClient(&http.Client{Transport: tr}))
		require.NoError(b, err)
		get := sdkContactGet(b, c, id)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			get()
		}
	})
}

// rawContactGet returns the raw client's Contacts.Get of id from base: the request a careful
// hand-written client builds, http.Client.Do, io.ReadAll and json.Unmarshal into plain structs.
func rawContactGet(b *testing.B, hc *http.Client, base, id string) func() {
	ctx := context.Background()
	url := base + "/contacts/" + id
	return func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header["Authorization"] = []string{"Bearer " + testToken}
		req.Header["Version"] = []string{version20210728}
		req.Header["Accept"] = []string{"application/json"}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err, resp.StatusCode)
		}
		var out rawContactResponse
		if err := json.Unmarshal(data, &out); err != nil || out.Contact.ID != id {
			b.Fatal("wrong contact", err)
		}
	}
}

// sdkContactGet returns Contacts.Get of id through c.
func sdkContactGet(b *testing.B, c *Client, id string) func() {
	ctx := context.Background()
	return func() {
		ct, _, err := c.Contacts.Get(ctx, id)
		if err != nil || ct.ID != id {
			b.Fatal("wrong contact", err)
		}
	}
}

// BenchmarkGetInterleaved runs the raw request and Contacts.Get alternately, one of each per
// iteration (which goes first alternates too), timing each, so that load from other processes
// on a shared machine hits both alike. It reports raw-ns/op, sdk-ns/op and their ratio.
//
//	go test -run '^$' -bench 'BenchmarkGetInterleaved' -benchtime 20000x -count 5 .
func BenchmarkGetInterleaved(b *testing.B) {
	body := benchContactJSON()
	srv := benchServer(b, body)
	const id = "ocQHyuzHvysMo5N5VsXc"
	rawTr, sdkTr := benchTransport(), benchTransport()
	defer rawTr.CloseIdleConnections()
	defer sdkTr.CloseIdleConnections()
	c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(testToken), WithLocationID(testLocationID),
		WithHTTPClient(&http.Client{Transport: sdkTr}))
	require.NoError(b, err)
	interleave(b, rawContactGet(b, &http.Client{Transport: rawTr}, srv.URL, id), sdkContactGet(b, c, id))
}

// BenchmarkLimiter measures the default limiter's Wait+Observe on one key with no waiting.
func BenchmarkLimiter(b *testing.B) {
	l := mustLimiter(WithDefaultLimit(math.MaxInt32, time.Millisecond), WithDailyLimit(0))
	ctx := context.Background()
	obs := Observation{StatusCode: 200}
	b.ReportAllocs()
	for range b.N {
		if err := l.Wait(ctx, "loc"); err != nil {
			b.Fatal(err)
		}
		obs.Received = time.Now()
		l.Observe("loc", obs)
	}
}

// tokenBucket adapts a golang.org/x/time/rate limiter to Limiter, to show what a plain token
// bucket does against a window limit.
type tokenBucket struct{ l *rate.Limiter }

func (t tokenBucket) Wait(ctx context.Context, _ string) error { return t.l.Wait(ctx) }
func (t tokenBucket) Observe(string, Observation)              {}

// nopLimiter sends at once: the SDK's retry-on-429 alone.
type nopLimiter struct{}

func (nopLimiter) Wait(ctx context.Context, _ string) error { return ctx.Err() }
func (nopLimiter) Observe(string, Observation)              {}

// throughputRun sends n GETs from workers goroutines to a fresh ghltest server limited to
// limit per window, and returns the wall time and the 429s the server sent.
func throughputRun(tb testing.TB, mode ghltest.RateLimitMode, limit int, window time.Duration, workers, n int,
	send func(c *Client, srv *ghltest.Server, id string) error, lim Limiter) (time.Duration, int) {
	srv := ghltest.NewServer(ghltest.WithRateLimit(ghltest.RateLimitConfig{Mode: mode, Limit: limit, Window: window}))
	defer srv.Close()
	// The contact to read is created through a client of its own, so its request counts in
	// the server's window but not in the timed run; the run starts once that window is over.
	setupClient := newTestClient(tb, srv, mustLimiter(), 0)
	id := seedContact(tb, setupClient, srv)
	time.Sleep(window + 10*time.Millisecond)
	c := newTestClient(tb, srv, lim, 10, WithRetryPolicy(RetryPolicy{MinWait: time.Second, MaxWait: 30 * time.Second, MaxRetryAfter: time.Minute}))
	var failed atomic.Int32
	start := time.Now()
	runConcurrent(workers, n, func() {
		if err := send(c, srv, id); err != nil {
			failed.Add(1)
		}
	})
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		tb.Fatalf("%d requests failed", f)
	}
	return elapsed, srv.RateLimited()
}

func sdkGet(c *Client, _ *ghltest.Server, id string) error {
	_, _, err := c.Contacts.Get(context.Background(), id)
	return err
}

// naiveGet is a hand-written client with no pacing: on 429 it sleeps Retry-After and resends.
func naiveGet(hc *http.Client) func(*Client, *ghltest.Server, string) error {
	return func(_ *Client, srv *ghltest.Server, id string) error {
		for {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/contacts/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+srv.Token())
			req.Header.Set("Version", version20210728)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				return nil
			}
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(secs, 1)) * time.Second)
		}
	}
}

// naiveBackoffGet is a hand-written client that ignores Retry-After and backs off
// exponentially from 1 s on 429, without jitter.
func naiveBackoffGet(hc *http.Client) func(*Client, *ghltest.Server, string) error {
	return func(_ *Client, srv *ghltest.Server, id string) error {
		for wait := time.Second; ; wait *= 2 {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/contacts/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+srv.Token())
			req.Header.Set("Version", version20210728)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				return nil
			}
			time.Sleep(min(wait, 30*time.Second))
		}
	}
}

// BenchmarkThroughput: 8 goroutines send N = 300 GETs to ghltest limited to L = 100 per
// window. The window is scaled from GHL's 10 s to W = 1 s (Retry-After stays in whole seconds).
// The theoretical minimum is (ceil(N/L) - 1) * W = 2 s; x-min is the wall time over it.
//
//	go test -run '^$' -bench 'BenchmarkThroughput$' -benchtime 1x -count 3 .
func BenchmarkThroughput(b *testing.B) {
	throughputBench(b, time.Second, []string{"window-log", "window-log+smoothing10", "bucket-L/W-burstL",
		"bucket-(L-1)/W-burst1", "sdk-no-limiter", "naive-retry-on-429", "naive-backoff-no-retry-after"})
}

// BenchmarkThroughputGHLWindow is BenchmarkThroughput at GHL's real window (100 per 10 s,
// minimum 20 s) for the default limiter and the naive clients, whose backoff starting at 1 s
// happens to match the scaled window.
//
//	go test -run '^$' -bench 'BenchmarkThroughputGHLWindow' -benchtime 1x .
func BenchmarkThroughputGHLWindow(b *testing.B) {
	throughputBench(b, 10*time.Second, []string{"window-log", "naive-retry-on-429", "naive-backoff-no-retry-after"})
}

func throughputBench(b *testing.B, window time.Duration, names []string) {
	const (
		limit   = 100
		workers = 8
		n       = 300
	)
	minimum := time.Duration(math.Ceil(float64(n)/limit)-1) * window
	type strategy struct {
		lim  func() Limiter
		send func(*Client, *ghltest.Server, string) error
	}
	strategies := map[string]strategy{
		"window-log":             {func() Limiter { return mustLimiter() }, sdkGet},
		"window-log+smoothing10": {func() Limiter { return mustLimiter(WithSmoothing(10)) }, sdkGet},
		"bucket-L/W-burstL": {func() Limiter {
			return tokenBucket{rate.NewLimiter(rate.Limit(limit/window.Seconds()), limit)}
		}, sdkGet},
		"bucket-(L-1)/W-burst1": {func() Limiter {
			return tokenBucket{rate.NewLimiter(rate.Limit((limit-1)/window.Seconds()), 1)}
		}, sdkGet},
		"sdk-no-limiter":               {func() Limiter { return nopLimiter{} }, sdkGet},
		"naive-retry-on-429":           {nil, naiveGet(&http.Client{Transport: benchTransport()})},
		"naive-backoff-no-retry-after": {nil, naiveBackoffGet(&http.Client{Transport: benchTransport()})},
	}
	for _, mode := range []ghltest.RateLimitMode{ghltest.FixedWindow, ghltest.SlidingWindow} {
		for _, name := range names {
			s := strategies[name]
			b.Run(modeName(mode)+"/"+name, func(b *testing.B) {
				var total time.Duration
				var rejected int
				for range b.N {
					var lim Limiter
					if s.lim != nil {
						lim = s.lim()
					}
					d, r := throughputRun(b, mode, limit, window, workers, n, s.send, lim)
					total += d
					rejected += r
				}
				b.ReportMetric(float64(total)/float64(b.N)/float64(minimum), "x-min")
				b.ReportMetric(float64(rejected)/float64(b.N), "429s")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

type heapFigures struct {
	contacts   int
	pages      int
	peakLive   uint64 // max live heap (after a GC) with a page in hand
	peakInUse  uint64 // max heap objects sampled every 100 µs, garbage included
	baseline   uint64 // live heap before the walk
	wall       time.Duration
	pageBytes  int64  // JSON bytes of the largest page
	pageHeap   uint64 // live heap of one decoded page
	totalBytes int64
}

// searchAllHeap walks SearchAll over n contacts served by a child process and records the
// client's heap.
func searchAllHeap(t *testing.T, n int) heapFigures {
	t.Helper()
	baseURL, token, loc, stopServer := startContactsServer(t, n)
	defer stopServer()

	tr := benchTransport()
	defer tr.CloseIdleConnections()
	counting := &countingTransport{next: tr}
	c, err := NewClient(WithBaseURL(baseURL), WithAccessToken(token), WithLocationID(loc),
		WithHTTPClient(&http.Client{Transport: counting}))
	require.NoError(t, err)

	// Warm up: decoders, connection and caches exist before the baseline is taken.
	_, _, err = c.Contacts.Search(context.Background(), &SearchRequest{PageLimit: 1})
	require.NoError(t, err)
	fig := heapFigures{}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fig.baseline = ms.HeapAlloc

	// What one decoded page of 500 takes, for comparison with what the walk holds.
	page, _, err := c.Contacts.Search(context.Background(), &SearchRequest{PageLimit: MaxSearchPageLimit})
	require.NoError(t, err)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fig.pageHeap = ms.HeapAlloc - fig.baseline
	runtime.KeepAlive(page)
	page = nil
	runtime.GC()

	stop := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				sampled <- peak
				return
			case <-tick.C:
				metrics.Read(sample)
				peak = max(peak, sample[0].Value.Uint64())
			}
		}
	}()

	start := time.Now()
	for ct, err := range c.Contacts.SearchAll(context.Background(), &SearchRequest{}) {
		require.NoError(t, err)
		require.NotEmpty(t, ct.ID)
		if fig.contacts%MaxSearchPageLimit == 0 {
			// The first contact of a page: the page is decoded and in hand, and the next one
			// is being fetched ahead. Once that fetch is done the walk holds the most it ever
			// does, two decoded pages: measure then, so every page is measured at the same point.
			for prefetchGoroutines() > 0 {
				time.Sleep(time.Millisecond)
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			fig.peakLive = max(fig.peakLive, ms.HeapAlloc)
			fig.pages++
		}
		fig.contacts++
	}
	fig.wall = time.Since(start)
	close(stop)
	fig.peakInUse = <-sampled
	fig.pageBytes, fig.totalBytes = counting.largest.Load(), counting.total.Load()
	return fig
}

// countingTransport records the size of response bodies.
type countingTransport struct {
	next           http.RoundTripper
	largest, total atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, t: c}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	t *countingTransport
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	b.t.total.Add(int64(n))
	if err == io.EOF {
		for {
			old := b.t.largest.Load()
			if b.n <= old || b.t.largest.CompareAndSwap(old, b.n) {
				break
			}
		}
	}
	return n, err
}

// TestSearchAllStreamsInBoundedHeap walks 10,000 and then 100,000 contacts with SearchAll
// (pages of 500) against a server in another process, and checks that the client's peak live
// heap does not grow with the number of contacts, and that the walk holds at most two pages
// (the one yielded and the one fetched ahead). Under -race, which makes the walk about ten
// times slower, it compares 1,000 and 10,000 contacts instead.
func TestSearchAllStreamsInBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 110,000 contacts")
	}
	nSmall, nLarge := 10_000, 100_000
	if raceEnabled {
		nSmall, nLarge = 1_000, 10_000
	}
	small := searchAllHeap(t, nSmall)
	large := searchAllHeap(t, nLarge)
	for _, f := range []heapFigures{small, large} {
		t.Logf("%d contacts, %d pages (largest %d B of JSON, %.2f MB decoded): peak live heap %.2f MB (baseline %.2f MB), peak heap objects sampled %.2f MB, %v",
			f.contacts, f.pages, f.pageBytes, mb(f.pageHeap), mb(f.peakLive), mb(f.baseline), mb(f.peakInUse), f.wall.Round(time.Millisecond))
	}
	require.Equal(t, nSmall, small.contacts)
	require.Equal(t, nLarge, large.contacts)
	// What the walk holds beyond the baseline.
	held := func(f heapFigures) float64 { return float64(f.peakLive) - float64(f.baseline) }
	hs, hl := held(small), held(large)
	ps, pl := float64(small.peakLive), float64(large.peakLive)
	t.Logf("peak live heap %.2f MB at %d, %.2f MB at %d (%+.1f%%); held by the walk %.2f MB and %.2f MB (%.2f and %.2f decoded pages)",
		ps/1e6, nSmall, pl/1e6, nLarge, 100*(pl-ps)/ps, hs/1e6, hl/1e6, hs/float64(small.pageHeap), hl/float64(large.pageHeap))
	assert.Less(t, math.Abs(pl-ps)/ps, 0.10, "peak heap grows with the number of contacts")
	// The page being yielded and the one fetched ahead, and no more.
	assert.Less(t, hl, 2.5*float64(large.pageHeap), "the walk holds more than two pages")
}

func mb(b uint64) float64 { return float64(b) / 1e6 }

// stubTransport answers every request with the canned body, with no sockets, so the client's
// own CPU cost shows without loopback noise.
type stubTransport struct {
	body   []byte
	header http.Header
}

func (s *stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: s.header, Body: io.NopCloser(bytes.NewReader(s.body)),
		ContentLength: int64(len(s.body)), Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// BenchmarkGetStub is BenchmarkGet over a stub transport: the precise per-call CPU and
// allocation cost of the SDK over a hand-written client.
//
//	go test -run '^$' -bench 'BenchmarkGetStub' -benchmem -count 5 .
func BenchmarkGetStub(b *testing.B) {
	stub := &stubTransport{body: benchContactJSON(), header: stubHeader}
	const id = "ocQHyuzHvysMo5N5VsXc"
	b.Run("raw", func(b *testing.B) {
		get := rawContactGet(b, &http.Client{Transport: stub}, stubBase, id)
		b.ReportAllocs()
		for range b.N {
			get()
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c, err := NewClient(WithBaseURL(stubBase), WithAccessToken(testToken), WithLocationID(testLocationID),
			WithHTTPClient(&http.Client{Transport: stub}))
		require.NoError(b, err)
		get := sdkContactGet(b, c, id)
		b.ReportAllocs()
		for range b.N {
			get()
		}
	})
}

// BenchmarkGetStubInterleaved is BenchmarkGetStub with the raw request and Contacts.Get
// alternating in each iteration (see interleave), for the time ratio without loopback noise.
//
//	go test -run '^$' -bench 'BenchmarkGetStubInterleaved' -benchtime 20000x -count 5 .
func BenchmarkGetStubInterleaved(b *testing.B) {
	stub := &stubTransport{body: benchContactJSON(), header: stubHeader}
	const id = "ocQHyuzHvysMo5N5VsXc"
	c, err := NewClient(WithBaseURL(stubBase), WithAccessToken(testToken), WithLocationID(testLocationID),
		WithHTTPClient(&http.Client{Transport: stub}))
	require.NoError(b, err)
	interleave(b, rawContactGet(b, &http.Client{Transport: stub}, stubBase, id), sdkContactGet(b, c, id))
}
