package ghl

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy sets how long the client waits between attempts; WithMaxRetries sets how many
// retries a call may make (default 3, so at most 4 attempts).
//
// Which requests are retried is fixed:
//   - what: a transport error (no response: refused, reset, timed out), 408, 429, and 5xx
//     other than 501 (which will not change); never another 4xx;
//   - which methods: GET, PUT and DELETE always; POST only on 429 (the server did not act on
//     it), when the connection could not even be opened, or when the call is idempotent
//     (search, upsert, tag and follower changes, or a context marked with IdempotentContext),
//     because GHL has no idempotency key and a resent create makes a duplicate;
//   - how long: a 429's or 503's Retry-After is honoured up to MaxRetryAfter; a 429 that asks
//     for more, or that says the daily budget is spent, is not retried but returned at once as
//     a *RateLimitError. A 429 without Retry-After waits X-RateLimit-Interval-Milliseconds.
//     Everything else backs off exponentially from MinWait, doubling up to MaxWait, with equal
//     jitter (half the step fixed, half random);
//   - when to stop: at once when the call's context is done (ctx.Err() is returned, wrapped),
//     and when the retries run out, with the last response as an *APIError or *RateLimitError,
//     or the last transport error as a *TransportError.
type RetryPolicy struct {
	// MinWait is the first backoff; each retry doubles it, with jitter, up to MaxWait.
	MinWait time.Duration
	MaxWait time.Duration
	// MaxRetryAfter caps how long a server's Retry-After may make the client wait; a 429
	// asking for longer fails at once. 0 means Retry-After is never waited for.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy returns the policy a client uses unless WithRetryPolicy says otherwise:
// 500 ms doubling to 30 s, Retry-After honoured up to 60 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second, MaxRetryAfter: 60 * time.Second}
}

func (p RetryPolicy) validate() error {
	if p.MinWait <= 0 || p.MaxWait < p.MinWait || p.MaxRetryAfter < 0 {
		return fmt.Errorf("ghl: invalid RetryPolicy: need 0 < MinWait <= MaxWait and MaxRetryAfter >= 0 (got %v, %v, %v)",
			p.MinWait, p.MaxWait, p.MaxRetryAfter)
	}
	return nil
}

type idempotentKey struct{}

// IdempotentContext marks the calls made with the returned context as safe to resend: a POST
// that fails with a 5xx or a broken connection is then retried like a GET. Use it only for a
// request whose repetition does no harm.
func IdempotentContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func idempotentFromContext(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// Reasons a request is retried, as reported to the Observer and in logs.
const (
	RetryReasonTransport   = "transport"    // no response: connection refused, reset, timeout
	RetryReasonRateLimited = "rate_limited" // 429
	RetryReasonServer      = "server_error" // 5xx other than 501
	RetryReasonTimeout     = "timeout"      // 408
)

func newRetryClient(cfg *config) *retryablehttp.Client {
	p := cfg.retryPolicy
	return &retryablehttp.Client{
		HTTPClient:   cfg.httpClient,
		Logger:       nil, // the SDK logs through slog, never to stderr
		RetryWaitMin: p.MinWait,
		RetryWaitMax: p.MaxWait,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   checkRetry,
		Backoff:      p.backoff,
		ErrorHandler: keepLastResponse,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, i int) {
			if i == 0 {
				return
			}
			ctx := req.Context()
			st := callStateFrom(ctx)
			if st == nil {
				return
			}
			waited := time.Since(st.lastEnd)
			cfg.observer.OnRetry(ctx, RetryInfo{Method: st.method, Route: st.route, LocationID: st.client.locationID, Attempt: i + 1, Reason: st.retryReason, Waited: waited})
			cfg.logger.InfoContext(ctx, "ghl: retrying request", "method", st.method, "route", st.route,
				"location", st.client.locationID, "attempt", i+1, "reason", st.retryReason, "waited", waited)
		},
	}
}

// checkRetry decides whether an attempt is retried. It never retries once ctx is done, and
// never resends a non-idempotent POST that the server may have acted on.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	st := callStateFrom(ctx)
	if st == nil {
		return false, err
	}
	safe := st.idempotent || st.method != http.MethodPost
	if err != nil {
		var perm *permanentError
		if errors.As(err, &perm) {
			return false, err
		}
		var certErr *x509.UnknownAuthorityError
		if errors.As(err, &certErr) {
			return false, err
		}
		if safe || notSent(err) {
			st.retryReason = RetryReasonTransport
			return true, nil
		}
		return false, err
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		// The server did not act on the request, so even a create may be resent, unless
		// waiting is pointless: the daily budget is spent, or the server asks for longer
		// than the policy lets a call wait. The caller then gets the *RateLimitError at once.
		if rl := parseRateLimit(resp.Header); rl.DailyLimit > 0 && rl.DailyRemaining == 0 {
			return false, nil
		}
		if ra := parseRetryAfter(resp.Header, time.Now()); ra > st.client.cfg.retryPolicy.MaxRetryAfter {
			return false, nil
		}
		st.retryReason = RetryReasonRateLimited
		return true, nil
	case code == http.StatusRequestTimeout:
		st.retryReason = RetryReasonTimeout
		return safe, nil
	case code >= 500 && code != http.StatusNotImplemented:
		st.retryReason = RetryReasonServer
		return safe, nil
	}
	return false, nil
}

// notSent reports an error that happened before the request left this machine, so even a
// non-idempotent POST can be resent.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff honours a 429's or 503's Retry-After (capped at MaxRetryAfter) and otherwise waits
// exponentially with equal jitter: half the step fixed, half random, so concurrent callers
// spread out without any of them retrying at once.
func (p RetryPolicy) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d := parseRetryAfter(resp.Header, time.Now()); d > 0 {
			return min(d, p.MaxRetryAfter)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			// No Retry-After: GHL's window length is the longest a 429 can last.
			if rl := parseRateLimit(resp.Header); rl.Interval > 0 {
				return min(rl.Interval, p.MaxRetryAfter)
			}
		}
	}
	step := minWait << min(attempt, 30)
	if step <= 0 || step > maxWait {
		step = maxWait
	}
	half := step / 2
	return half + rand.N(half+1)
}

// keepLastResponse hands the last response to the caller when retries run out, so it becomes
// a typed *APIError instead of a bare "giving up".
func keepLastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		drainClose(resp.Body)
	}
	return nil, err
}

// ParseRetryAfter reads a Retry-After header given in seconds or as an HTTP date, relative to
// now; 0 if absent or invalid.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration { return parseRetryAfter(h, now) }

// parseRetryAfter reads Retry-After in seconds or as an HTTP date; 0 if absent or invalid.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
