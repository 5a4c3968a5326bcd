package ghltest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func createBody(i int) string {
	return fmt.Sprintf(`{"locationId":%q,"firstName":"F%d","email":"f%d@example.com"}`, DefaultLocationID, i, i)
}

func TestFaultsOffByDefault(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	for i := range 50 {
		res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.status)
	}
	f := srv.Faults()
	f.Connections = 0
	assert.Equal(t, FaultStats{}, f)
}

func TestFaultServerErrorsAreNotApplied(t *testing.T) {
	srv := NewServer(WithFaults(FaultConfig{ServerErrors: 1}))
	defer srv.Close()
	codes := map[int]bool{}
	for i := range 40 {
		res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
		require.NoError(t, err)
		require.GreaterOrEqual(t, res.status, 500)
		codes[res.status] = true
		assert.Equal(t, float64(res.status), res.body["statusCode"])
		assert.NotEmpty(t, res.header.Get("X-RateLimit-Max"), "fault responses carry the rate-limit headers")
	}
	assert.Equal(t, map[int]bool{500: true, 502: true, 503: true, 504: true}, codes)
	assert.Zero(t, srv.ContactCount(DefaultLocationID), "a 5xx before handling applies nothing")
	assert.Equal(t, 40, srv.Faults().ServerErrors)
	assert.Equal(t, 40, srv.Requests(http.MethodPost, "/contacts/"), "faulted requests are counted")
}

func TestFaultResetsAreNotApplied(t *testing.T) {
	srv := NewServer(WithFaults(FaultConfig{Resets: 1}))
	defer srv.Close()
	for i := range 10 {
		_, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
		require.Error(t, err, "no response after a reset")
	}
	assert.Zero(t, srv.ContactCount(DefaultLocationID))
	assert.Equal(t, 10, srv.Faults().Resets)
}

func TestFaultAfterWriteAppliesThenFails(t *testing.T) {
	srv := NewServer(WithFaults(FaultConfig{AfterWrite: 1}), WithSeed(3))
	defer srv.Close()
	var lost, failed int
	for i := range 30 {
		res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
		if err != nil {
			lost++
			continue
		}
		require.Equal(t, http.StatusInternalServerError, res.status)
		failed++
	}
	assert.Positive(t, lost, "some after-write faults reset the connection")
	assert.Positive(t, failed, "some answer 500")
	assert.Equal(t, 30, srv.ContactCount(DefaultLocationID), "every create was applied")
	f := srv.Faults()
	assert.Equal(t, lost, f.AfterWriteResets)
	assert.Equal(t, failed, f.AfterWriteErrors)

	// A request that fails anyway passes through: nothing was applied, nothing to hide.
	res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", `{"locationId":"`+DefaultLocationID+`","email":"not-an-email"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, res.status)
	assert.Equal(t, f.AfterWriteErrors+f.AfterWriteResets, srv.Faults().AfterWriteErrors+srv.Faults().AfterWriteResets)
}

func TestFaultMatchLimitsFaults(t *testing.T) {
	srv := NewServer(WithFaults(FaultConfig{
		AfterWrite:      1,
		AfterWriteMatch: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/upsert") },
		Match:           func(r *http.Request) bool { return r.Method == http.MethodPost },
	}))
	defer srv.Close()
	res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(1))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, res.status, "AfterWriteMatch leaves creates alone")
	assert.Equal(t, http.StatusNotFound, rlGet(t, srv, DefaultToken).status, "Match leaves GETs alone")
	res, err = rlSend(srv, DefaultToken, http.MethodPost, "/contacts/upsert", createBody(2))
	if err == nil {
		assert.Equal(t, http.StatusInternalServerError, res.status)
	}
	assert.Equal(t, 2, srv.ContactCount(DefaultLocationID))
}

func TestFaultStorms(t *testing.T) {
	clk := &manualClock{now: rlT0}
	srv := NewServer(WithClock(clk.Now), WithFaults(FaultConfig{Storms: 1, StormLength: 2500 * time.Millisecond, StormRetryAfter: true}),
		WithRateLimit(RateLimitConfig{Limit: 100, Window: time.Second}))
	defer srv.Close()
	res := rlGet(t, srv, DefaultToken)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, "3", res.header.Get("Retry-After"))
	assertLimitHeaders(t, res, "100", "0", "1000", "1000000000", "1000000000")
	assert.Equal(t, float64(429), res.body["statusCode"])
	clk.Set(rlT0.Add(time.Second))
	res = rlGet(t, srv, DefaultToken)
	require.Equal(t, http.StatusTooManyRequests, res.status, "still in the storm")
	assert.Equal(t, "2", res.header.Get("Retry-After"))
	f := srv.Faults()
	assert.Equal(t, 1, f.Storms)
	assert.Equal(t, 2, f.StormRejections)
	assert.Zero(t, srv.RateLimited(), "storm 429s are faults, not the limit")
	assert.Zero(t, srv.Admitted())
}

func TestFaultLatency(t *testing.T) {
	srv := NewServer(WithFaults(FaultConfig{LatencyRate: 1, Latency: 30 * time.Millisecond}))
	defer srv.Close()
	for range 5 {
		assert.Equal(t, http.StatusNotFound, rlGet(t, srv, DefaultToken).status)
	}
	assert.Equal(t, 5, srv.Faults().Delayed)
}

// TestFaultsRepeatWithSeed sends the same sequence to two servers with the same seed.
func TestFaultsRepeatWithSeed(t *testing.T) {
	outcomes := func(seed int64) []int {
		srv := NewServer(WithSeed(seed), WithFaults(FaultConfig{ServerErrors: 0.3, Resets: 0.2}))
		defer srv.Close()
		var out []int
		for i := range 60 {
			res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
			if err != nil {
				out = append(out, -1)
				continue
			}
			out = append(out, res.status)
		}
		return out
	}
	a, b, c := outcomes(42), outcomes(42), outcomes(43)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	assert.Contains(t, a, -1)
	assert.Contains(t, a, http.StatusCreated)
}

// A request's fault depends on the seed, its operation and its place among that operation's
// requests, not on what other operations were sent around it: two clients that interleave
// (or retry) other calls differently meet the same faults on the same operations.
func TestFaultsDrawnPerOperation(t *testing.T) {
	type outcome struct {
		route string
		n     int
		code  int
	}
	run := func(order []string) map[outcome]bool {
		srv := NewServer(WithSeed(7), WithFaults(FaultConfig{ServerErrors: 0.4}))
		defer srv.Close()
		got := map[outcome]bool{}
		seq := map[string]int{}
		for i, op := range order {
			var res limitResult
			var err error
			if op == "create" {
				res, err = rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(i))
			} else {
				res, err = rlSend(srv, DefaultToken, http.MethodGet, "/contacts/?locationId="+DefaultLocationID, "")
			}
			require.NoError(t, err)
			seq[op]++
			got[outcome{op, seq[op], res.status}] = true
		}
		return got
	}
	var grouped, interleaved []string
	for range 20 {
		grouped = append(grouped, "create")
	}
	for range 20 {
		grouped = append(grouped, "list")
	}
	for range 20 {
		interleaved = append(interleaved, "list", "create")
	}
	a, b := run(grouped), run(interleaved)
	assert.Equal(t, a, b)
	codes := map[int]bool{}
	for o := range a {
		codes[o.code] = true
	}
	assert.True(t, codes[http.StatusCreated] && codes[http.StatusOK], "some requests pass")
	assert.True(t, len(codes) > 2, "some requests fail")
}

// Injected faults carry the location's real rate-limit values, not a full budget.
func TestFaultsCarryTheRealBudget(t *testing.T) {
	clock := &manualClock{now: rlT0}
	srv := NewServer(WithClock(clock.Now), WithRateLimit(RateLimitConfig{Limit: 10, Window: 10 * time.Second, DailyLimit: 1000}),
		WithFaults(FaultConfig{ServerErrors: 1, Match: func(r *http.Request) bool { return r.Method == http.MethodPost }}))
	defer srv.Close()
	for range 3 {
		assert.Equal(t, http.StatusNotFound, rlGet(t, srv, DefaultToken).status)
	}
	res, err := rlSend(srv, DefaultToken, http.MethodPost, "/contacts/", createBody(1))
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.status, 500)
	assertLimitHeaders(t, res, "10", "7", "10000", "1000", "997")
}
