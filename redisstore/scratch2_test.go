package redisstore

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

type rec struct{ send, recv time.Duration }
type recRT struct {
	start time.Time
	mu    *sync.Mutex
	recs  *[]rec
}

func (r recRT) RoundTrip(req *http.Request) (*http.Response, error) {
	s := time.Since(r.start)
	resp, err := http.DefaultTransport.RoundTrip(req)
	e := time.Since(r.start)
	r.mu.Lock()
	*r.recs = append(*r.recs, rec{s, e})
	r.mu.Unlock()
	return resp, err
}

func TestScratchTimeline(t *testing.T) {
	rs := startRedis(t)
	srv := ghltest.NewServer(ghltest.WithRateLimit(ghltest.RateLimitConfig{Mode: ghltest.SlidingWindow, Limit: 50, Window: time.Second}))
	defer srv.Close()
	contacts := srv.Seed(srv.LocationID(), 10, 1)
	st := newStore(t, rs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var recs []rec
	start := time.Now()
	for p := 0; p < 4; p++ {
		st2, _ := New(rs.Client(t), WithPrefix(st.prefix))
		c, _ := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithHTTPClient(&http.Client{Transport: recRT{start, &mu, &recs}}), ghl.WithLocationID(srv.LocationID()), ghl.WithAccessToken(srv.Token()), ghl.WithRateLimiter(st2.Limiter()), ghl.WithMaxRetries(0))
		var next atomic.Int64
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= 50 {
					if _, _, err := c.Contacts.Get(context.Background(), contacts[0]); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("elapsed %v", time.Since(start))
	sort.Slice(recs, func(i, j int) bool { return recs[i].send < recs[j].send })
	var rtts []time.Duration
	for _, r := range recs {
		rtts = append(rtts, r.recv-r.send)
	}
	for i := 0; i < len(recs); i += 50 {
		j := min(i+49, len(recs)-1)
		t.Logf("window %d: first send %v last send %v ; first recv %v", i/50, recs[i].send, recs[j].send, recs[i].recv)
		if i >= 50 {
			t.Logf("   lag first-send vs prev first recv + W: %v", recs[i].send-recs[i-50].recv-time.Second)
		}
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	t.Logf("rtt p50 %v p90 %v max %v", rtts[len(rtts)/2], rtts[len(rtts)*9/10], rtts[len(rtts)-1])
}
