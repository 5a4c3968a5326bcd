package ghl

import "errors"

// The errors of webhook verification and parsing.

// Webhook verification errors, for errors.Is. A payload that verified but is not a usable
// event is a *WebhookPayloadError (errors.Is(err, ErrMalformedWebhook)).
var (
	// ErrMissingSignature: neither x-ghl-signature nor x-wh-signature carries a signature
	// (absent, empty or "N/A").
	ErrMissingSignature = errors.New("ghl: webhook has no signature")
	// ErrInvalidSignature: the signature does not verify over the body with any configured key.
	ErrInvalidSignature = errors.New("ghl: webhook signature is invalid")
	// ErrStaleWebhook: the payload's timestamp is missing, unreadable, or outside the window:
	// more than the tolerance ahead, or older than GHL still redelivers (the tolerance plus
	// 75 minutes; see WithTolerance).
	ErrStaleWebhook = errors.New("ghl: webhook timestamp is outside the accepted window")
	// ErrReplayedWebhook: the webhookId was already recorded as handled.
	ErrReplayedWebhook = errors.New("ghl: webhook was already processed")
	// ErrPayloadTooLarge: the body exceeds the verifier's size limit.
	ErrPayloadTooLarge = errors.New("ghl: webhook body is too large")
	// ErrMalformedWebhook is matched by every *WebhookPayloadError.
	ErrMalformedWebhook = errors.New("ghl: malformed webhook payload")
)

// WebhookPayloadError reports a payload that is not a JSON object, or lacks what the verifier
// needs (a webhookId). From Verify it means the signature was valid: the sender signed
// something that is not a usable event.
type WebhookPayloadError struct {
	Reason string
	Err    error // the underlying syntax error, if any
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *WebhookPayloadError) Error() string {
	if e.Err != nil {
		return "ghl: malformed webhook payload: " + e.Reason + ": " + e.Err.Error()
	}
	return "ghl: malformed webhook payload: " + e.Reason
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *WebhookPayloadError) Unwrap() error { return e.Err }

// Is matches ErrMalformedWebhook.
func (e *WebhookPayloadError) Is(target error) bool { return target == ErrMalformedWebhook }
