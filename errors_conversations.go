package ghl

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors of the Conversations API, for errors.Is.
var (
	// ErrConversationProvider is matched by every *ConversationProviderError.
	ErrConversationProvider = errors.New("ghl: conversation provider")
	// ErrMessageNotStored means GHL acknowledged a message without storing it: its 2xx carried
	// no message ID. GHL does this when a provider-only message type (Call, Custom) comes
	// without a conversationProviderId.
	ErrMessageNotStored = errors.New("ghl: GHL acknowledged the message but stored nothing")
	// ErrUploadNotRewindable is returned (inside a *TransportError) when an upload had to be
	// sent again, after a 429 or a refused token, and a file's Content is not an io.Seeker, so
	// it could not be read again. Nothing was sent the second time.
	ErrUploadNotRewindable = errors.New("ghl: the upload cannot be sent again: a file's Content is not an io.Seeker")
)

// ProviderProblem says what was wrong with a call's conversation provider.
type ProviderProblem string

// What a *ConversationProviderError can report.
const (
	// ProviderMissing: the message type needs a conversationProviderId and none was given.
	// Nothing was sent.
	ProviderMissing ProviderProblem = "missing"
	// ProviderRefused: GHL refused the provider ID for this token ("You don't have access to
	// the conversationProvider ..."). It accepts a provider ID only with an OAuth token of the
	// marketplace app that owns the provider; a Private Integration Token is always refused.
	ProviderRefused ProviderProblem = "refused"
	// ProviderInvalid: GHL does not know the provider ID. It says so with a 400 "Invalid
	// conversationProviderId", or with a bare 500 "Internal server error".
	ProviderInvalid ProviderProblem = "invalid"
	// ProviderNotStored: GHL answered 2xx without a message ID and stored nothing
	// (errors.Is ErrMessageNotStored as well).
	ProviderNotStored ProviderProblem = "not-stored"
	// ProviderNotReady: a status update was refused with 403 "No conversation provider found
	// for this message" for longer than the wait allowed: GHL had not yet handed the message
	// to the provider.
	ProviderNotReady ProviderProblem = "not-ready"
)

// ConversationProviderError reports a call that failed because of GHL's conversation
// provider rules. Err is the *APIError when GHL answered with an error status, so
// errors.Is(err, ErrServer) and errors.As(err, &apiErr) still work through it.
type ConversationProviderError struct {
	Problem ProviderProblem
	// Method and Route name the call (Route is the path template).
	Method string
	Route  string
	// ProviderID is the conversationProviderId the request carried ("" if none).
	ProviderID string
	// StatusCode is GHL's status (0 when nothing was sent).
	StatusCode int
	Err        error
}

// Error describes the failure and what to do about it; it never contains a token or secret.
func (e *ConversationProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ghl: %s %s: ", e.Method, e.Route)
	switch e.Problem {
	case ProviderMissing:
		b.WriteString("conversationProviderId is required for this message type (a Call provider for call logs)")
	case ProviderRefused:
		b.WriteString("GHL refused ")
		if e.ProviderID != "" {
			fmt.Fprintf(&b, "conversation provider %q", e.ProviderID)
		} else {
			b.WriteString("the message's conversation provider")
		}
		b.WriteString(" for this token: use an OAuth location token of the marketplace app that owns the provider (a Private Integration Token is always refused)")
	case ProviderInvalid:
		fmt.Fprintf(&b, "GHL does not know conversation provider %q (it answers %d for an unknown provider ID)", e.ProviderID, e.StatusCode)
	case ProviderNotStored:
		fmt.Fprintf(&b, "GHL answered %d without a message ID and stored nothing; the message type needs a conversationProviderId", e.StatusCode)
	case ProviderNotReady:
		b.WriteString("GHL had not handed the message to its conversation provider before the wait ran out; update the status again later")
	default:
		b.WriteString(string(e.Problem))
	}
	if e.Err != nil {
		var apiErr *APIError
		if errors.As(e.Err, &apiErr) && apiErr.Message != "" {
			fmt.Fprintf(&b, " (GHL: %s)", apiErr.Message)
		}
	}
	return b.String()
}

// Is matches ErrConversationProvider; a missing provider also matches ErrInvalidParam, and a
// message GHL did not store matches ErrMessageNotStored.
func (e *ConversationProviderError) Is(target error) bool {
	switch target {
	case ErrConversationProvider:
		return true
	case ErrInvalidParam:
		return e.Problem == ProviderMissing
	case ErrMessageNotStored:
		return e.Problem == ProviderNotStored
	}
	return false
}

// Unwrap returns GHL's error response, if any.
func (e *ConversationProviderError) Unwrap() error { return e.Err }

// providerError classifies err, the outcome of a request that carried providerID, as a
// provider problem when GHL's answer is one of its known answers to provider trouble, and
// returns err unchanged otherwise.
func providerError(err error, req *request, providerID string) error {
	var apiErr *APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	msg := strings.ToLower(apiErr.Message)
	problem := ProviderProblem("")
	switch {
	case strings.Contains(msg, "access to the conversationprovider"):
		problem = ProviderRefused
	case strings.Contains(msg, "invalid conversationproviderid"):
		problem = ProviderInvalid
	case providerID != "" && apiErr.StatusCode == http.StatusInternalServerError && (msg == "" || msg == "internal server error"):
		// A bare 500 to a request with a provider ID: GHL's answer to an unknown ID.
		problem = ProviderInvalid
	default:
		return err
	}
	return &ConversationProviderError{Problem: problem, Method: req.method, Route: req.route, ProviderID: providerID, StatusCode: apiErr.StatusCode, Err: err}
}
