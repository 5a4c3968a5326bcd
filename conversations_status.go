package ghl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// DefaultProviderStatusWait is how long UpdateMessageStatus keeps retrying GHL's 403 "No
// conversation provider found for this message". GHL answers it for some 5 to 10 seconds
// after a send, until it has handed the message to the provider, and then accepts the same
// update.
const DefaultProviderStatusWait = 15 * time.Second

// maxProviderStatusStep caps one wait between status attempts, so the retries notice the end
// of GHL's window soon after it.
const maxProviderStatusStep = 2 * time.Second

// MessageStatusRequest is the body of UpdateMessageStatus.
type MessageStatusRequest struct {
	// Status is MessageDelivered, MessageFailed, MessagePending or MessageRead.
	Status MessageStatus `json:"status"`
	// Error says why delivery failed (with MessageFailed).
	Error *MessageError `json:"error,omitempty"`
	// EmailMessageID and Recipients report the delivery of an e-mail to further recipients.
	EmailMessageID string   `json:"emailMessageId,omitempty"`
	Recipients     []string `json:"recipients,omitempty"`

	// Wait bounds how long GHL's 403 "No conversation provider found for this message" is
	// retried; 0 means DefaultProviderStatusWait, a negative value turns the retries off. The
	// call's context bounds it too.
	Wait time.Duration `json:"-"`
}

// MessageError is the provider's account of a failed delivery.
type MessageError struct {
	Code    string `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// UpdateMessageStatus reports a message's delivery status as its conversation provider
// (PUT /conversations/messages/{messageId}/status). Only the provider's marketplace app may
// call it, with its OAuth token.
//
// Right after a send GHL refuses the update with 403 "No conversation provider found for this
// message" until it has handed the message to the provider (5 to 10 seconds). That answer,
// and only that one, is retried with backoff for up to req.Wait (default
// DefaultProviderStatusWait) and while ctx lasts; if it persists, the error is a
// *ConversationProviderError with ProviderNotReady. Every other 403 is final.
func (s *ConversationsService) UpdateMessageStatus(ctx context.Context, messageID string, req *MessageStatusRequest) (*SendMessageResult, *Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	switch req.Status {
	case MessageDelivered, MessageFailed, MessagePending, MessageRead:
	default:
		return nil, nil, &InvalidParamError{Param: "req.Status", Reason: fmt.Sprintf("%q is not delivered, failed, pending or read", req.Status)}
	}
	if e := req.Error; e != nil && (e.Code == "" || e.Type == "" || e.Message == "") {
		return nil, nil, &InvalidParamError{Param: "req.Error", Reason: "Code, Type and Message are all required"}
	}
	wait := req.Wait
	if wait == 0 {
		wait = DefaultProviderStatusWait
	}
	r := &request{method: http.MethodPut, path: "/conversations/messages/" + ids[0] + "/status",
		route: "/conversations/messages/{messageId}/status", body: req, family: APIConversations}
	cfg := s.client.cfg
	deadline := time.Now().Add(wait)
	for attempt := 0; ; attempt++ {
		res, resp, err := fetch(ctx, s.client, r, func(e *SendMessageResult) *SendMessageResult { return e })
		if err == nil || !providerNotReady(err) {
			return res, resp, providerError(err, r, "")
		}
		left := time.Until(deadline)
		if wait < 0 || left <= 0 {
			return nil, resp, &ConversationProviderError{Problem: ProviderNotReady, Method: r.method, Route: r.route, StatusCode: http.StatusForbidden, Err: err}
		}
		step := min(cfg.retryPolicy.MinWait<<min(attempt, 16), maxProviderStatusStep)
		step = step/2 + rand.N(step/2+1)
		step = min(step, left)
		cfg.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: GHL has not handed the message to its provider yet; retrying the status update",
			slog.String("route", r.route), slog.String("location", s.client.locationID), slog.Int("attempt", attempt+1), slog.Duration("wait", step))
		t := time.NewTimer(step)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, resp, fmt.Errorf("ghl: %s %s: %w", r.method, r.route, ctx.Err())
		case <-t.C:
		}
	}
}

// providerNotReady reports GHL's 403 for a status update that came before the message reached
// its provider.
func providerNotReady(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden &&
		strings.Contains(strings.ToLower(apiErr.Message), "no conversation provider found")
}
