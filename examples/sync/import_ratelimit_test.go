package main

import (
	"context"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/require"
)

// The import against GHL's rate limit: a location's whole contact list read as fast as the
// budget allows, and no faster (zero 429s).

// importRun is one Import of n seeded contacts against a fresh ghltest server enforcing cfg.
type importRun struct {
	elapsed  time.Duration // Import, from its first request to its return (the store saved)
	lastResp time.Duration // from the start to the last response
	requests int64         // requests sent, retries included
	rejected int           // 429s the server sent
	imported int
}

// minimum is the least time the rate limit allows for the run's requests: they go in
// windows of cfg.Limit, and the last window starts (ceil(N/L) - 1) windows after the first.
func (r importRun) minimum(cfg ghltest.RateLimitConfig) time.Duration {
	return time.Duration(math.Ceil(float64(r.requests)/float64(cfg.Limit))-1) * cfg.Window
}

// countingTransport counts the requests the client sends and notes when the last response
// arrived.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
	last atomic.Int64 // unix nanoseconds
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	resp, err := c.next.RoundTrip(r)
	c.last.Store(time.Now().UnixNano())
	return resp, err
}

func runImport(tb testing.TB, n int, cfg ghltest.RateLimitConfig) importRun {
	tb.Helper()
	srv := ghltest.NewServer(ghltest.WithRateLimit(cfg))
	defer srv.Close()
	loc := srv.LocationID()
	srv.Seed(loc, n, 42)
	ct := &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	defer ct.next.(*http.Transport).CloseIdleConnections()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc),
		ghl.WithHTTPClient(&http.Client{Transport: ct}))
	require.NoError(tb, err)
	store, err := OpenStore(filepath.Join(tb.TempDir(), "linkedphone.json"))
	require.NoError(tb, err)
	syncer := NewSyncer(client, store, quietLogger(), false, nil)

	start := time.Now()
	imported, err := syncer.Import(context.Background(), NewProgress(io.Discard, false, "import"))
	elapsed := time.Since(start)
	require.NoError(tb, err)
	require.Equal(tb, n, imported)
	require.Equal(tb, n, store.Len())
	return importRun{elapsed: elapsed, lastResp: time.Duration(ct.last.Load() - start.UnixNano()),
		requests: ct.n.Load(), rejected: srv.RateLimited(), imported: imported}
}

// TestImportPacesToTheRateLimit imports 10,000 contacts from a server allowing 10 requests per
// second (GHL's 100 per 10 s scaled down so that the test is quick but still bound by the
// limit, not by the machine): no request may be refused. It logs how close the import came
// to the limit's minimum; BenchmarkImport measures it.
func TestImportPacesToTheRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out two rate-limit windows")
	}
	cfg := ghltest.RateLimitConfig{Mode: ghltest.SlidingWindow, Limit: 10, Window: time.Second, DailyLimit: 200_000}
	r := runImport(t, 10_000, cfg)
	t.Logf("%d contacts, %d requests: %v (%.3fx the minimum of %v), %d 429s",
		r.imported, r.requests, r.elapsed.Round(time.Millisecond), float64(r.elapsed)/float64(r.minimum(cfg)), r.minimum(cfg), r.rejected)
	require.Zero(t, r.rejected, "the import went over the rate limit")
	require.EqualValues(t, 22, r.requests, "the count, 20 full pages and the empty one that ends the walk")
}

// BenchmarkImport imports 100,000 seeded contacts (pages of 500) under GHL's real limit of
// 100 requests per 10 s, in both of ghltest's window modes. It reports, against the limit's
// minimum for the requests the import sent:
//
//   - x-min: Import's whole time, to its return (the last page's records applied and the
//     store of 100,000 records written to its file);
//   - x-min-requests: the time to the last response, the part the rate limit governs;
//
// and the 429s, the requests, and tail-ms, the time from the last response to Import's
// return. One run of each mode takes about 20 s.
//
//	go test -run '^$' -bench 'BenchmarkImport' -benchtime 1x -count 3 ./examples/sync/
func BenchmarkImport(b *testing.B) {
	for _, mode := range []ghltest.RateLimitMode{ghltest.SlidingWindow, ghltest.FixedWindow} {
		name := "sliding"
		if mode == ghltest.FixedWindow {
			name = "fixed"
		}
		b.Run("100k/ghl-window/"+name, func(b *testing.B) {
			cfg := ghltest.GHLRateLimit(mode)
			var xmin, xreq, tail float64
			var rejected, requests int64
			for range b.N {
				r := runImport(b, 100_000, cfg)
				xmin += float64(r.elapsed) / float64(r.minimum(cfg))
				xreq += float64(r.lastResp) / float64(r.minimum(cfg))
				tail += float64((r.elapsed - r.lastResp).Milliseconds())
				rejected += int64(r.rejected)
				requests += r.requests
			}
			b.ReportMetric(xmin/float64(b.N), "x-min")
			b.ReportMetric(xreq/float64(b.N), "x-min-requests")
			b.ReportMetric(float64(rejected)/float64(b.N), "429s")
			b.ReportMetric(float64(requests)/float64(b.N), "requests")
			b.ReportMetric(tail/float64(b.N), "tail-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
