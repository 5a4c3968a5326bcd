package ghl

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// RetryPolicy sets how long the client waits between attempts; WithMaxRetries sets how many
// retries a call may make (default 3, so at most 4 attempts).
//
// Which requests are retried is fixed:
//   - what: a transport error (no response: refused, reset, timed out), 408, 429, and 5xx
//     other than 501 (which will not change); never another 4xx, nor a redirect the client
//     refused (to another host, or past ten hops). A 401 is sent once more, with a new token,
//     when the token source is a TokenInvalidator that has one;
//   - which methods: GET, PUT and DELETE always; POST only on 429 (the server did not act on
//     it), when the connection could not even be opened, or when the call is idempotent
//     (search, upsert, tag and follower changes, or a context marked with IdempotentContext),
//     because GHL has no idempotency key and a resent create makes a duplicate;
//   - how long: a 429's or 503's Retry-After is honoured up to MaxRetryAfter; a 429 that asks
//     for more, that says the daily budget is spent, or whose wait would end after the call's
//     deadline, is not retried but returned at once as a *RateLimitError. A 429 without
//     Retry-After waits X-RateLimit-Interval-Milliseconds.
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
		return &InvalidParamError{Param: "RetryPolicy", Reason: fmt.Sprintf("need 0 < MinWait <= MaxWait and MaxRetryAfter >= 0 (got %v, %v, %v)",
			p.MinWait, p.MaxWait, p.MaxRetryAfter)}
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
	RetryReasonTransport    = "transport"    // no response: connection refused, reset, timeout
	RetryReasonRateLimited  = "rate_limited" // 429
	RetryReasonServer       = "server_error" // 5xx other than 501
	RetryReasonTimeout      = "timeout"      // 408
	RetryReasonUnauthorized = "unauthorized" // 401, sent again with the token source's new token
)

// decide says whether an attempt is retried, and why. status is 0 when err is a transport
// error; hdr holds the response's headers; a 429 whose wait would end after deadline (if
// non-zero) is not waited for, so the caller gets the *RateLimitError at once.
func (p RetryPolicy) decide(method string, idempotent bool, status int, hdr respHeaders, err error, now, deadline time.Time) (reason string, retry bool) {
	safe := idempotent || method != http.MethodPost
	if err != nil {
		var perm *permanentError
		var redirect *redirectError
		var certErr *x509.UnknownAuthorityError
		switch {
		case errors.As(err, &perm), errors.As(err, &redirect), errors.As(err, &certErr):
			return "", false
		case safe || notSent(err):
			return RetryReasonTransport, true
		}
		return "", false
	}
	switch {
	case status == http.StatusTooManyRequests:
		// The server did not act on the request, so even a create may be resent, unless
		// waiting is pointless: the daily budget is spent, the server asks for longer than
		// the policy lets a call wait, or the wait would outlast the call's deadline.
		if rl := hdr.rateLimit; rl.DailyLimit > 0 && rl.DailyRemaining == 0 {
			return "", false
		}
		if hdr.retryAfter > p.MaxRetryAfter {
			return "", false
		}
		if !deadline.IsZero() && now.Add(p.rateLimitWait(hdr)).After(deadline) {
			return "", false
		}
		return RetryReasonRateLimited, true
	case status == http.StatusRequestTimeout:
		return RetryReasonTimeout, safe
	case status >= 500 && status != http.StatusNotImplemented:
		return RetryReasonServer, safe
	}
	return "", false
}

// notSent reports an error that happened before the request left this machine, so even a
// non-idempotent POST can be resent.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// rateLimitWait is how long a 429 asks the client to wait: its Retry-After, or else GHL's
// window length, the longest a 429 can last; capped at MaxRetryAfter.
func (p RetryPolicy) rateLimitWait(hdr respHeaders) time.Duration {
	d := hdr.retryAfter
	if d == 0 {
		d = hdr.rateLimit.Interval
	}
	return min(d, p.MaxRetryAfter)
}

// wait returns how long to wait before the retry that follows attempt (0 for the first
// attempt) whose response had status (0: none) and headers hdr. A 429's or 503's Retry-After
// is honoured (capped at MaxRetryAfter), a 429 without one waits the window; everything else
// backs off exponentially with equal jitter: half the step fixed, half random, so concurrent
// callers spread out without any of them retrying at once.
func (p RetryPolicy) wait(minWait, maxWait time.Duration, attempt, status int, hdr respHeaders) time.Duration {
	switch {
	case status == http.StatusTooManyRequests:
		if d := p.rateLimitWait(hdr); d > 0 {
			return d
		}
	case status == http.StatusServiceUnavailable && hdr.retryAfter > 0:
		return min(hdr.retryAfter, p.MaxRetryAfter)
	}
	step := minWait << min(attempt, 30)
	if step <= 0 || step > maxWait {
		step = maxWait
	}
	half := step / 2
	return half + rand.N(half+1)
}
