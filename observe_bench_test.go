package ghl

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// memTransport answers every request with the same 200 response from memory, so a benchmark
// of the SDK's own work is not drowned by loopback networking.
type memTransport struct {
	body   []byte
	header http.Header
}

func (t *memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        t.header,
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

// BenchmarkObserver measures Contacts.Get through the whole pipeline over an in-memory
// transport, with no observer set (the default), with NopObserver set explicitly, with an
// observer counting attempts by status (the hot path of examples/monitoring's counting
// package, whose own benchmark measures the whole of it), and with a logger whose level (info)
// keeps the per-attempt debug line off. The first two run the same code; the gap to the
// others is what an observer or a quiet logger adds per call.
//
//	go test -run '^$' -bench 'BenchmarkObserver' -benchmem -count 5 .
func BenchmarkObserver(b *testing.B) {
	body := benchContactJSON()
	header := http.Header{
		"Content-Type":                      {"application/json"},
		"Content-Length":                    {strconv.Itoa(len(body))},
		"X-Ratelimit-Max":                   {"1000000"},
		"X-Ratelimit-Remaining":             {"999999"},
		"X-Ratelimit-Interval-Milliseconds": {"10000"},
		"X-Ratelimit-Limit-Daily":           {"1000000000"},
		"X-Ratelimit-Daily-Remaining":       {"999999999"},
	}
	const id = "ocQHyuzHvysMo5N5VsXc"
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cases := []struct {
		name string
		opts []Option
	}{
		{"none", nil},
		{"nop", []Option{WithObserver(NopObserver{})}},
		{"counting", []Option{WithObserver(&attemptCounter{})}},
		{"none+info-logger", []Option{WithLogger(quiet)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			opts := append([]Option{WithBaseURL("http://ghl.invalid"), WithAccessToken(testToken),
				WithLocationID(testLocationID), WithHTTPClient(&http.Client{Transport: &memTransport{body: body, header: header}})},
				tc.opts...)
			c, err := NewClient(opts...)
			require.NoError(b, err)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				ct, _, err := c.Contacts.Get(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if ct.ID != id {
					b.Fatal("wrong contact")
				}
			}
		})
	}
}

// BenchmarkObserverCall measures one OnAttempt call through the Observer interface, as the
// attempt layer makes it, for the default NopObserver and for an observer counting attempts.
func BenchmarkObserverCall(b *testing.B) {
	info := AttemptInfo{Method: http.MethodGet, Route: "/contacts/{contactId}", LocationID: testLocationID, Attempt: 1,
		StatusCode: 200, RateLimit: RateLimit{Max: 100, Remaining: 99, DailyLimit: 200_000, DailyRemaining: 199_999, Present: true}}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		obs  Observer
	}{{"nop", NopObserver{}}, {"counting", &attemptCounter{}}} {
		b.Run(tc.name, func(b *testing.B) {
			obs := tc.obs
			b.ReportAllocs()
			for range b.N {
				obs.OnAttempt(ctx, info)
			}
		})
	}
}

// attemptCounter counts attempts by status with atomics, as an operator's observer does on
// every request.
type attemptCounter struct {
	NopObserver
	attempts atomic.Int64
	byStatus [600]atomic.Int64
}

func (c *attemptCounter) OnAttempt(_ context.Context, info AttemptInfo) {
	c.attempts.Add(1)
	c.byStatus[min(max(info.StatusCode, 0), len(c.byStatus)-1)].Add(1)
}
