package ghl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError matches the one its status code implies, so
// errors.Is(err, ghl.ErrNotFound) works on anything a call returns.
var (
	ErrNotFound     = errors.New("ghl: not found")                 // 404
	ErrUnauthorized = errors.New("ghl: unauthorized")              // 401
	ErrForbidden    = errors.New("ghl: forbidden")                 // 403
	ErrValidation   = errors.New("ghl: request failed validation") // 400 or 422
	ErrRateLimited  = errors.New("ghl: rate limited")              // 429, or the daily budget is spent
	ErrServer       = errors.New("ghl: server error")              // 5xx

	// ErrReauthorizationRequired means GHL refused the refresh token (invalid_grant: revoked,
	// expired or already used). The location must install the app again.
	ErrReauthorizationRequired = errors.New("ghl: refresh token refused; the location must reauthorize the app")

	// ErrNoCredentials is returned by a call on a client that has no token: one made without
	// WithAccessToken or WithTokenSource, such as the base of LocationClients. Nothing is sent.
	ErrNoCredentials = errors.New("ghl: no credentials: the client has neither an access token nor a token source")

	// ErrInvalidParam is matched by every *InvalidParamError.
	ErrInvalidParam = errors.New("ghl: invalid parameter")
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
	// Response is the HTTP response; its body has been read and closed.
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
	}
	return false
}

// RateLimitError is a 429 from GHL, or the client's refusal to send because the location's
// daily budget is spent (then APIError is nil and Daily is true).
type RateLimitError struct {
	*APIError
	// RetryAfter is how long to wait before the budget allows another request.
	RetryAfter time.Duration
	RateLimit  RateLimit
	// Daily reports that the daily budget, not the burst window, is spent.
	Daily bool
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *RateLimitError) Error() string {
	if e.APIError != nil {
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

// Unwrap returns the underlying *APIError, if any.
func (e *RateLimitError) Unwrap() error {
	if e.APIError == nil {
		return nil
	}
	return e.APIError
}

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

// newAPIError reads and closes resp's body and builds the typed error.
func (st *callState) newAPIError(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := parseAPIError(resp, body, st.tokens)
	e.Method, e.Route, e.Attempts = st.method, st.route, st.attempts
	if resp.StatusCode == http.StatusTooManyRequests {
		rl := parseRateLimit(resp.Header)
		wait := parseRetryAfter(resp.Header, time.Now())
		if wait == 0 {
			wait = rl.Interval
		}
		return &RateLimitError{APIError: e, RetryAfter: wait, RateLimit: rl, Daily: rl.Present && rl.DailyLimit > 0 && rl.DailyRemaining == 0}
	}
	return e
}

// parseAPIError decodes body in any of GHL's error shapes. secrets are removed from
// everything the error keeps, in case the server echoed the request.
func parseAPIError(resp *http.Response, body []byte, secrets []string) *APIError {
	body = redactBytes(body, secrets)
	e := &APIError{StatusCode: resp.StatusCode, Body: body, Response: resp}
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
	if e.TraceID == "" {
		for _, h := range [...]string{"X-Trace-Id", "Traceid", "X-Request-Id"} {
			if v := resp.Header.Get(h); v != "" {
				e.TraceID = v
				break
			}
		}
	}
	return e
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
