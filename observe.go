package ghl

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Observer receives typed events for what the SDK does, so that users can feed Prometheus,
// OpenTelemetry or expvar without the SDK depending on any of them. Embed NopObserver to
// implement only the methods you need; new methods added later then keep compiling.
// Methods are called synchronously on the request's goroutine and must be quick and safe for
// concurrent use.
type Observer interface {
	// OnAttempt is called after every HTTP attempt, retries included.
	OnAttempt(ctx context.Context, info AttemptInfo)
	// OnRetry is called before an attempt that retries an earlier one.
	OnRetry(ctx context.Context, info RetryInfo)
	// OnRateLimitWait is called when an attempt waited for the rate limiter (1 ms or more).
	OnRateLimitWait(ctx context.Context, info RateLimitWaitInfo)
	// OnTokenRefresh is called after every OAuth token refresh or location-token mint.
	OnTokenRefresh(ctx context.Context, info TokenRefreshInfo)
	// OnWebhook is called once for every webhook delivery the verifier or its Handler judged.
	OnWebhook(ctx context.Context, info WebhookInfo)
}

// NopObserver does nothing; embed it in an Observer to implement a subset of the methods.
type NopObserver struct{}

// OnAttempt does nothing.
func (NopObserver) OnAttempt(context.Context, AttemptInfo) {}

// OnRetry does nothing.
func (NopObserver) OnRetry(context.Context, RetryInfo) {}

// OnRateLimitWait does nothing.
func (NopObserver) OnRateLimitWait(context.Context, RateLimitWaitInfo) {}

// OnTokenRefresh does nothing.
func (NopObserver) OnTokenRefresh(context.Context, TokenRefreshInfo) {}

// OnWebhook does nothing.
func (NopObserver) OnWebhook(context.Context, WebhookInfo) {}

// AttemptInfo describes one HTTP attempt.
type AttemptInfo struct {
	Method     string
	Route      string // path template, e.g. /contacts/{contactId}: never an ID
	LocationID string
	Attempt    int // 1 for the first attempt
	StatusCode int // 0 if no response arrived
	Duration   time.Duration
	RateLimit  RateLimit
	Err        error // transport error, if any
}

// RetryInfo describes a retry about to be sent.
type RetryInfo struct {
	Method     string
	Route      string
	LocationID string
	Attempt    int    // the attempt about to be sent (2 for the first retry)
	Reason     string // one of the RetryReason constants
	Waited     time.Duration
}

// RateLimitWaitInfo describes time spent waiting for the rate limiter.
type RateLimitWaitInfo struct {
	LocationID string
	Route      string
	Waited     time.Duration
}

// TokenRefreshInfo describes a token refresh. It never carries a token.
type TokenRefreshInfo struct {
	Key      string // the TokenStore key (a location or company ID)
	Kind     string // "refresh_token", "location_token" or "authorization_code"
	Duration time.Duration
	Err      error // nil on success
}

// WebhookInfo describes the verdict on one webhook delivery.
type WebhookInfo struct {
	Outcome    string // one of the WebhookOutcome constants
	Type       string // event type, when known
	LocationID string
	WebhookID  string
	Err        error
}

// Outcomes reported in WebhookInfo.
const (
	WebhookAccepted  = "accepted"  // verified and handled
	WebhookRejected  = "rejected"  // bad or missing signature, stale, malformed or too large
	WebhookDuplicate = "duplicate" // webhookId already processed
	// WebhookFailed: the delivery was answered 429, so GHL delivers it again: the caller's
	// function returned an error or panicked, the replay store failed, or the body could not
	// be read.
	WebhookFailed = "failed"
	// WebhookInFlight: the delivery was answered 429 because a copy with the same webhookId
	// was being handled at that moment: GHL redelivers it later, and the redelivery is
	// acknowledged as a duplicate if that copy succeeded, or handled if it failed.
	WebhookInFlight = "in_flight"
)

// Why a webhook was rejected, as reported by WebhookRejection.
const (
	WebhookRejectMissingSignature = "missing_signature" // neither signature header is set
	WebhookRejectInvalidSignature = "invalid_signature" // no configured key verifies it
	WebhookRejectStale            = "stale"             // timestamp missing or outside the window
	WebhookRejectTooLarge         = "too_large"         // body over the size limit
	WebhookRejectMalformed        = "malformed"         // signed, but not a usable event
	WebhookRejectOther            = "other"             // an error none of the above matches
)

// WebhookRejection classifies the error of a rejected delivery (WebhookInfo.Err, or an error
// from Verify) into one of the WebhookReject constants, a label with few values that suits
// a metric. It returns "" for nil and for a duplicate.
func WebhookRejection(err error) string {
	switch {
	case err == nil, errors.Is(err, ErrReplayedWebhook):
		return ""
	case errors.Is(err, ErrMissingSignature):
		return WebhookRejectMissingSignature
	case errors.Is(err, ErrInvalidSignature):
		return WebhookRejectInvalidSignature
	case errors.Is(err, ErrStaleWebhook):
		return WebhookRejectStale
	case errors.Is(err, ErrPayloadTooLarge):
		return WebhookRejectTooLarge
	case errors.Is(err, ErrMalformedWebhook):
		return WebhookRejectMalformed
	}
	return WebhookRejectOther
}

// discardHandler is the log handler of a client or verifier given no logger: it drops every
// record before any of it is formatted.
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
