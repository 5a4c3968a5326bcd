package ghl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// webhookClaimTTL bounds how long a delivery being handled blocks the copies of its
// webhookId, so a process that died while handling one does not block the event forever.
// GHL's redeliveries come about ten minutes apart, after it has run out.
const webhookClaimTTL = 5 * time.Minute

// webhookRetryAfter is the Retry-After of a 429, in seconds. GHL redelivers on its own
// schedule (about ten minutes apart); a sender that honours the header waits long enough for
// a copy in flight to finish or a short outage to pass.
const webhookRetryAfter = "60"

// errWebhookInFlight is the error reported with WebhookInFlight.
var errWebhookInFlight = errors.New("ghl: a copy of this webhook is being handled")

// errNilWebhookFunc is what a Handler built with a nil function reports for every delivery.
var errNilWebhookFunc = &InvalidParamError{Param: "fn", Reason: "the Handler's function must not be nil"}

// Handler returns an http.Handler that receives GHL deliveries: it reads the body under the
// size limit, verifies it, and calls fn with the event, once per webhookId.
//
// GHL redelivers a webhook only when the receiver answers 429 (up to six times, about ten
// minutes apart); every other status, 5xx included, is final. So the Handler answers:
//
//	200 fn succeeded, or the webhookId was already handled (fn is not called again)
//	429 with Retry-After, so GHL delivers it again: fn returned an error or panicked, the
//	    replay store failed, the body could not be read, or a copy with the same webhookId
//	    is being handled right now (if that copy fails, this one must come back)
//	400 a valid signature over a payload that is not a usable event
//	401 a missing or invalid signature, or a timestamp outside the window: more than the
//	    tolerance ahead, or older than GHL still redelivers (a stale delivery is treated as
//	    unauthenticated: its signature no longer proves it is fresh)
//	405 a method other than POST
//	413 the body exceeds the limit
//
// A redelivery may carry the first delivery's timestamp (GHL does not say), so the window
// reaches back the tolerance plus 75 minutes, past GHL's last retry: every redelivery a 429
// asked for is accepted and runs fn again, until fn succeeds. A webhookId is recorded as
// handled only after fn returned nil, and is remembered for longer than that window, so no
// later copy runs fn again; if recording it fails, the answer is still 200
// (fn must not run twice for a success) and the failure is logged. fn runs on the request's
// goroutine; GHL expects a quick answer, so hand long work to a queue. After GHL's retries
// run out (about 70 minutes) an event is gone: catch up from the API
// (ContactsService.ChangedSince) after an outage.
func (v *WebhookVerifier) Handler(fn func(context.Context, Event) error) http.Handler {
	if v == nil {
		// Nothing can be verified; 429 keeps every event coming back until this is fixed.
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			answerRetry(w, "webhook receiver is not configured")
		})
	}
	if fn == nil {
		fn = func(context.Context, Event) error { return errNilWebhookFunc }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.serve(w, r, fn)
	})
}

func (v *WebhookVerifier) serve(w http.ResponseWriter, r *http.Request, fn func(context.Context, Event) error) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	body, err := v.readBody(w, r)
	if err != nil {
		v.refuse(ctx, w, nil, err)
		return
	}
	ev, err := v.verify(ctx, r.Header, body)
	if err != nil {
		v.refuse(ctx, w, ev, err)
		return
	}
	id := ev.EventWebhookID()
	claimed, err := v.store.Claim(ctx, id, webhookClaimTTL)
	if err != nil {
		v.refuse(ctx, w, ev, &replayStoreError{op: "Claim", err: err})
		return
	}
	if !claimed {
		// Handled already, or being handled: only the store can tell which.
		done, err := v.store.Processed(ctx, id)
		switch {
		case err != nil:
			v.refuse(ctx, w, ev, &replayStoreError{op: "Processed", err: err})
		case done:
			v.refuse(ctx, w, ev, ErrReplayedWebhook)
		default:
			v.report(ctx, ev, errWebhookInFlight, WebhookInFlight)
			answerRetry(w, "webhook is being handled")
		}
		return
	}
	if err := v.dispatch(ctx, fn, ev); err != nil {
		// Not handled: forget the claim so the redelivery runs fn again.
		if rerr := v.store.Release(context.WithoutCancel(ctx), id); rerr != nil {
			err = errors.Join(err, &replayStoreError{op: "Release", err: rerr})
		}
		v.report(ctx, ev, err, WebhookFailed)
		answerRetry(w, "webhook handler failed")
		return
	}
	if err := v.store.MarkProcessed(context.WithoutCancel(ctx), id, v.replayTTL); err != nil {
		// fn succeeded; a 429 would only make it run again. The claim still holds copies off
		// for webhookClaimTTL.
		v.logger.LogAttrs(ctx, slog.LevelError, "ghl: recording a handled webhook ID failed",
			slog.String("webhook_id", id), slog.String("error", err.Error()))
	}
	v.report(ctx, ev, nil, WebhookAccepted)
	w.WriteHeader(http.StatusOK)
}

// dispatch calls fn. A panic in fn is a failure like an error, so the event comes again;
// http.ErrAbortHandler, a deliberate abort, goes on to the server after the claim is released.
func (v *WebhookVerifier) dispatch(ctx context.Context, fn func(context.Context, Event) error, ev Event) (err error) {
	defer func() {
		if rec := recover(); rec != nil {
			if rec == http.ErrAbortHandler {
				_ = v.store.Release(context.WithoutCancel(ctx), ev.EventWebhookID())
				panic(rec)
			}
			err = fmt.Errorf("ghl: webhook handler panicked: %v", rec)
		}
	}()
	return fn(ctx, ev)
}

func (v *WebhookVerifier) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > v.maxBody {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", ErrPayloadTooLarge, r.ContentLength, v.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, v.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: limit %d", ErrPayloadTooLarge, v.maxBody)
		}
		return nil, &bodyReadError{err: err}
	}
	return body, nil
}

// bodyReadError is a body that could not be read (a broken connection): the delivery may
// succeed when it comes again.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "ghl: reading webhook body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// refuse answers a delivery that was not dispatched, and reports it.
func (v *WebhookVerifier) refuse(ctx context.Context, w http.ResponseWriter, ev Event, err error) {
	status := webhookStatus(err)
	v.report(ctx, ev, err, outcomeOf(err))
	switch status {
	case http.StatusOK:
		w.WriteHeader(http.StatusOK)
	case http.StatusTooManyRequests:
		var rs *replayStoreError
		if errors.As(err, &rs) {
			answerRetry(w, "webhook replay store failed")
		} else {
			answerRetry(w, "reading the webhook failed")
		}
	default:
		http.Error(w, http.StatusText(status), status)
	}
}

// answerRetry answers 429, the one status GHL redelivers on.
func answerRetry(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", webhookRetryAfter)
	http.Error(w, why+"; retry later", http.StatusTooManyRequests)
}

// webhookStatus maps an error of verify to the Handler's answer: 2xx when nothing is left to
// do, a 4xx when the delivery can never succeed, 429 when it may succeed next time.
func webhookStatus(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrReplayedWebhook):
		return http.StatusOK
	case errors.Is(err, ErrPayloadTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrStaleWebhook):
		return http.StatusUnauthorized
	case errors.Is(err, ErrMalformedWebhook):
		return http.StatusBadRequest
	}
	return http.StatusTooManyRequests
}

// outcomeOf is the WebhookInfo outcome of a delivery refused with err.
func outcomeOf(err error) string {
	switch webhookStatus(err) {
	case http.StatusOK:
		return WebhookDuplicate
	case http.StatusTooManyRequests:
		return WebhookFailed
	}
	return WebhookRejected
}
