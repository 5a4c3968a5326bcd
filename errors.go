package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Every error type and sentinel of the package is in errors.go (the API's answers, transport,
// decoding, parameters, and the errors the services share) or in errors_<area>.go:
// errors_auth.go (token paths), errors_webhook.go (verification and parsing) and
// errors_conversations.go (conversation providers).

// Sentinel errors for errors.Is. An *APIError matches the one its status code implies, so
// errors.Is(err, ghl.ErrNotFound) works on anything a call returns.
var (
	ErrNotFound     = errors.New("ghl: not found")                 // 404
	ErrUnauthorized = errors.New("ghl: unauthorized")              // 401
	ErrForbidden    = errors.New("ghl: forbidden")                 // 403
	ErrValidation   = errors.New("ghl: request failed validation") // 400 or 422
	ErrRateLimited  = errors.New("ghl: rate limited")              // 429, or the daily budget is spent
	ErrServer       = errors.New("ghl: server error")              // 5xx

	// ErrInsufficientScope is matched by the *APIError of a 401 (or 403) whose message says
	// the token lacks the scope the route needs ("The token is not authorized for this
	// scope."). Every token of the same grant is refused the same way, so the client neither
	// refreshes the token nor sends the request again: grant the scope (the app's scopes, or
	// the Private Integration Token's) and install again. errors.Is(err, ErrUnauthorized)
	// holds as well for a 401.
	ErrInsufficientScope = errors.New("ghl: the token is not authorized for this scope")

	// ErrWrongTokenType is matched by the *APIError of a 401 (or 403) whose message says the
	// route does not accept this kind of token: "This authClass type is not allowed to access
	// this scope" (an agency token on a location route) or "Token's user type mismatch!" (an
	// agency Private Integration Token). As with ErrInsufficientScope, nothing is refreshed or
	// sent again: call the route with a location token (AgencyLocationClients mints them).
	ErrWrongTokenType = errors.New("ghl: the route does not accept this type of token")

	// ErrNoCredentials is returned by a call on a client that has no token: one made without
	// WithAccessToken or WithTokenSource, such as the base of LocationClients. Nothing is sent.
	ErrNoCredentials = errors.New("ghl: no credentials: the client has neither an access token nor a token source")

	// ErrInvalidParam is matched by every *InvalidParamError.
	ErrInvalidParam = errors.New("ghl: invalid parameter")

	// ErrEmptyResponse is matched by the *DecodeError of a 2xx response that holds no value
	// where the method returns one: an empty body, null, {}, or an envelope whose object is
	// null or missing ({"contact":null}).
	ErrEmptyResponse = errors.New("ghl: response holds no value")

	// ErrNotSucceeded is matched by every *NotSucceededError.
	ErrNotSucceeded = errors.New("ghl: the API reported that the action did not succeed")

	// ErrPagination is matched by every *PaginationError.
	ErrPagination = errors.New("ghl: pagination failed")

	// ErrUnknownCustomField is matched by every *UnknownCustomFieldError.
	ErrUnknownCustomField = errors.New("ghl: unknown custom field")
)

// APIError is a non-2xx response from GHL. It decodes every error body shape GHL sends.
type APIError struct {
	StatusCode int
	// Message is the server's message; a 422's list of messages joined with "; ".
	Message string
	// Messages holds each message of a 422 (or the single message).
	Messages []string
	// ErrorType is the body's "error" string, e.g. "Unauthorized" or "invalid_grant".
	ErrorType string
	// Code and Details come from the {"error": {"code", "message", "details"}} shape.
	Code    string
	Details json.RawMessage
	// TraceID is GHL's request trace id, from the body or a trace header, when present.
	TraceID string
	// Method and Route name the call (Route is the path template, never an ID).
	Method string
	Route  string
	// Attempts is how many attempts were made, retries included.
	Attempts int
	// Body is the response body, capped at 1 MiB, with any token of this request removed.
	Body []byte
	// Response is the HTTP response, safe to keep and to log: its body has been read (it is
	// Body above), its request carries neither the Authorization header nor a body, and
	// header values that held a token of this request are redacted.
	Response *http.Response
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("ghl: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Route)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace %s)", e.TraceID)
	}
	return b.String()
}

// Is matches the sentinel that e's status code implies.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrInsufficientScope, ErrWrongTokenType:
		return e.refusal() == target
	}
	return false
}

// refusal returns ErrInsufficientScope or ErrWrongTokenType when e is GHL's refusal of what
// the token may do, which no other token of the same grant cures, and nil otherwise (an
// expired or revoked token, say). GHL says which in the message only.
func (e *APIError) refusal() error {
	if e.StatusCode != http.StatusUnauthorized && e.StatusCode != http.StatusForbidden {
		return nil
	}
	for _, m := range e.Messages {
		switch m := strings.ToLower(m); {
		case strings.Contains(m, "not authorized for this scope"):
			return ErrInsufficientScope
		case strings.Contains(m, "authclass type is not allowed"), strings.Contains(m, "user type mismatch"):
			return ErrWrongTokenType
		}
	}
	return nil
}

// RateLimitError is a 429 from GHL, or the client's refusal to send because the location's
// budget is spent for longer than the call may wait: the daily budget (Daily is true), a
// pause the server asked for, or a wait that would end after the call's deadline. Then no
// request was sent and the embedded APIError is zero (StatusCode 0). Every field is safe to
// read in both cases.
type RateLimitError struct {
	// APIError is the 429 response; zero when the client refused to send.
	APIError
	// RetryAfter is how long to wait before the budget allows another request.
	RetryAfter time.Duration
	RateLimit  RateLimit
	// Daily reports that the daily budget, not the burst window, is spent.
	Daily bool
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *RateLimitError) Error() string {
	if e.StatusCode != 0 {
		return e.APIError.Error() + fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	what := "rate limit"
	if e.Daily {
		what = "daily rate limit"
	}
	return fmt.Sprintf("ghl: %s reached; not sent; budget resets in %v", what, e.RetryAfter.Round(time.Second))
}

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns the 429's *APIError, or nil when nothing was sent.
func (e *RateLimitError) Unwrap() error {
	if e.StatusCode == 0 {
		return nil
	}
	return &e.APIError
}

// DecodeError reports a 2xx response whose body did not decode into the expected type, or
// held no value where the method returns one (Err is then ErrEmptyResponse).
type DecodeError struct {
	Method     string
	Route      string
	StatusCode int
	// Body is the response body, capped at 1 MiB, with any token of this request removed.
	Body []byte
	Err  error
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("ghl: %s %s: decoding %d response: %v", e.Method, e.Route, e.StatusCode, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *DecodeError) Unwrap() error { return e.Err }

// TransportError reports a request that got no usable HTTP response (connection refused or
// reset, timeout, a redirect to another host) after the retries it was allowed.
type TransportError struct {
	Method   string
	Route    string
	Attempts int
	Err      error
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *TransportError) Error() string {
	return fmt.Sprintf("ghl: %s %s: %v (after %d attempt(s))", e.Method, e.Route, e.Err, e.Attempts)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *TransportError) Unwrap() error { return e.Err }

// InvalidParamError reports a bad argument, found before anything was sent.
type InvalidParamError struct {
	Param  string // the parameter's name, e.g. "contactID"
	Reason string
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *InvalidParamError) Error() string {
	return fmt.Sprintf("ghl: invalid %s: %s", e.Param, e.Reason)
}

// Is matches ErrInvalidParam.
func (e *InvalidParamError) Is(target error) bool { return target == ErrInvalidParam }

// NotSucceededError reports a 2xx response whose body says the action failed
// ({"succeded": false}).
type NotSucceededError struct {
	Method     string
	Route      string
	StatusCode int
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *NotSucceededError) Error() string {
	return fmt.Sprintf("ghl: %s %s: %d response reports the action did not succeed", e.Method, e.Route, e.StatusCode)
}

// Is matches ErrNotSucceeded.
func (e *NotSucceededError) Is(target error) bool { return target == ErrNotSucceeded }

// PaginationError reports a server whose paging cursor cannot be followed: it sent back a
// cursor it had already sent, or claimed more results without sending a cursor. Iteration
// stops instead of looping forever or skipping results.
type PaginationError struct {
	Route string // the path template of the paged endpoint
	Page  int    // the 1-based page whose cursor was bad
	// Reason says what was wrong with the cursor.
	Reason string
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *PaginationError) Error() string {
	return fmt.Sprintf("ghl: paging %s: page %d: %s", e.Route, e.Page, e.Reason)
}

// Is matches ErrPagination.
func (e *PaginationError) Is(target error) bool { return target == ErrPagination }

// UnknownCustomFieldError reports a custom field key (or ID) that the location does not have,
// even after the field list was fetched again. Nothing was sent.
type UnknownCustomFieldError struct {
	LocationID string
	// Key or ID is the field asked for.
	Key string
	ID  string
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *UnknownCustomFieldError) Error() string {
	what := fmt.Sprintf("key %q", e.Key)
	if e.Key == "" {
		what = fmt.Sprintf("ID %q", e.ID)
	}
	return fmt.Sprintf("ghl: location %s has no contact custom field with %s", e.LocationID, what)
}

// Is matches ErrUnknownCustomField.
func (e *UnknownCustomFieldError) Is(target error) bool { return target == ErrUnknownCustomField }

// ExtensionConflictError reports a phone extension that more than one user of the location
// carries, so a call cannot be given to one of them.
type ExtensionConflictError struct {
	Extension string
	UserIDs   []string
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *ExtensionConflictError) Error() string {
	return fmt.Sprintf("ghl: extension %q belongs to %d users (%s)", e.Extension, len(e.UserIDs), strings.Join(e.UserIDs, ", "))
}

// errorBody is the union of GHL's error shapes.
type errorBody struct {
	StatusCode       int             `json:"statusCode"`
	Message          json.RawMessage `json:"message"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	TraceID          string          `json:"traceId"`
}

type nestedError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// parseAPIError decodes body in any of GHL's error shapes. secrets are removed from
// everything the error keeps, in case the server echoed the request, and the response it keeps
// is a copy that holds none (see keptResponse).
func parseAPIError(resp *http.Response, body []byte, secrets []string) *APIError {
	body = redactBytes(body, secrets)
	kept := keptResponse(resp, secrets)
	e := &APIError{StatusCode: resp.StatusCode, Body: body, Response: kept}
	e.decodeBody(body)
	if e.TraceID == "" {
		for _, h := range [...]string{"X-Trace-Id", "Traceid", "X-Request-Id"} {
			if v := kept.Header.Get(h); v != "" {
				e.TraceID = v
				break
			}
		}
	}
	return e
}

// decodeBody sets what e says from an error body in any of GHL's shapes: the messages, the
// error type or code and details, and the body's trace id.
func (e *APIError) decodeBody(body []byte) {
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.TraceID = eb.TraceID
		switch msg := bytes.TrimSpace(eb.Message); {
		case len(msg) > 0 && msg[0] == '"':
			var s string
			_ = json.Unmarshal(msg, &s)
			e.Messages = []string{s}
		case len(msg) > 0 && msg[0] == '[':
			var list []json.RawMessage
			_ = json.Unmarshal(msg, &list)
			for _, item := range list {
				var s string
				if json.Unmarshal(item, &s) != nil {
					s = string(item)
				}
				e.Messages = append(e.Messages, s)
			}
		}
		switch errField := bytes.TrimSpace(eb.Error); {
		case len(errField) > 0 && errField[0] == '"':
			_ = json.Unmarshal(errField, &e.ErrorType)
		case len(errField) > 0 && errField[0] == '{':
			var ne nestedError
			if json.Unmarshal(errField, &ne) == nil {
				e.Code, e.Details = ne.Code, ne.Details
				if ne.Message != "" && len(e.Messages) == 0 {
					e.Messages = []string{ne.Message}
				}
			}
		}
		if len(e.Messages) == 0 && eb.ErrorDescription != "" {
			e.Messages = []string{eb.ErrorDescription}
		}
	}
	if len(e.Messages) == 0 && len(body) > 0 && !json.Valid(body) {
		// Not JSON (a proxy's HTML page, say): keep a short prefix as the message.
		s := strings.TrimSpace(string(truncate(body, 200)))
		if s != "" {
			e.Messages = []string{s}
		}
	}
	e.Message = strings.Join(e.Messages, "; ")
}

const redacted = "[REDACTED]"

func redactBytes(b []byte, secrets []string) []byte {
	for _, s := range secrets {
		if len(s) >= 8 && bytes.Contains(b, []byte(s)) {
			b = bytes.ReplaceAll(b, []byte(s), []byte(redacted))
		}
	}
	return b
}

func redactString(v string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(v, s) {
			v = strings.ReplaceAll(v, s, redacted)
		}
	}
	return v
}

// keptResponse returns a copy of a response, whose body has been read, that is safe to keep in
// an error and to log: its body is empty; its request is a copy without body, context (which
// holds the call's state, tokens included), redirect response or secret headers; and header
// values that hold one of secrets (a server echoing the request) are redacted.
func keptResponse(resp *http.Response, secrets []string) *http.Response {
	if resp == nil {
		return nil
	}
	r := *resp
	r.Body = http.NoBody
	r.Header = redactHeader(resp.Header, secrets)
	r.Trailer = redactHeader(resp.Trailer, secrets)
	if req := resp.Request; req != nil {
		kr := req.WithContext(context.Background())
		kr.Header = redactHeader(req.Header, secrets)
		for _, k := range [...]string{"Authorization", "Proxy-Authorization", "Cookie"} {
			delete(kr.Header, k)
		}
		kr.Body, kr.GetBody, kr.Response = nil, nil, nil
		kr.Trailer = nil
		r.Request = kr
	}
	return &r
}

// redactHeader returns a copy of h whose values holding one of secrets are redacted.
func redactHeader(h http.Header, secrets []string) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for _, vs := range out {
		for i, v := range vs {
			vs[i] = redactString(v, secrets)
		}
	}
	return out
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
