package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorShapes(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		header     http.Header
		wantMsg    string
		wantMsgs   []string
		wantType   string
		wantCode   string
		wantTrace  string
		wantIs     error
		wantString string
	}{
		{
			name: "statusCode and string message", status: 400,
			body:    `{"statusCode":400,"message":"Bad Request"}`,
			wantMsg: "Bad Request", wantMsgs: []string{"Bad Request"}, wantIs: ErrValidation,
			wantString: "ghl: GET /contacts/{contactId}: 400 Bad Request: Bad Request",
		},
		{
			name: "422 message array", status: 422,
			body:     `{"statusCode":422,"message":["email must be an email","phone must be a string"],"error":"Unprocessable Entity"}`,
			wantMsg:  "email must be an email; phone must be a string",
			wantMsgs: []string{"email must be an email", "phone must be a string"}, wantType: "Unprocessable Entity", wantIs: ErrValidation,
			wantString: "ghl: GET /contacts/{contactId}: 422 Unprocessable Entity: email must be an email; phone must be a string",
		},
		{
			name: "401 UnauthorizedDTO", status: 401,
			body:    `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`,
			wantMsg: "Invalid JWT", wantMsgs: []string{"Invalid JWT"}, wantType: "Unauthorized", wantIs: ErrUnauthorized,
		},
		{
			name: "error string with message", status: 403,
			body:    `{"error":"Forbidden","message":"The token does not have access to this location."}`,
			wantMsg: "The token does not have access to this location.", wantMsgs: []string{"The token does not have access to this location."},
			wantType: "Forbidden", wantIs: ErrForbidden,
		},
		{
			name: "nested AIP error", status: 404,
			body:    `{"error":{"code":"RESOURCE_NOT_FOUND","message":"Contact not found","details":{"id":"abc"}}}`,
			wantMsg: "Contact not found", wantMsgs: []string{"Contact not found"}, wantCode: "RESOURCE_NOT_FOUND", wantIs: ErrNotFound,
			wantString: "ghl: GET /contacts/{contactId}: 404 Not Found: Contact not found (code RESOURCE_NOT_FOUND)",
		},
		{
			name: "oauth error_description", status: 400,
			body:    `{"error":"invalid_grant","error_description":"refresh token is invalid"}`,
			wantMsg: "refresh token is invalid", wantMsgs: []string{"refresh token is invalid"}, wantType: "invalid_grant", wantIs: ErrValidation,
		},
		{
			name: "trace id from header, html body", status: 502,
			body:    `<html>bad gateway</html>`,
			header:  http.Header{"X-Trace-Id": {"tr-9"}},
			wantMsg: "<html>bad gateway</html>", wantMsgs: []string{"<html>bad gateway</html>"}, wantTrace: "tr-9", wantIs: ErrServer,
			wantString: "ghl: GET /contacts/{contactId}: 502 Bad Gateway: <html>bad gateway</html> (trace tr-9)",
		},
		{
			name: "trace id from body", status: 500,
			body:    `{"statusCode":500,"message":"Internal server error","traceId":"tr-body"}`,
			wantMsg: "Internal server error", wantMsgs: []string{"Internal server error"}, wantTrace: "tr-body", wantIs: ErrServer,
		},
		{
			name: "empty body", status: 404, body: ``, wantIs: ErrNotFound,
			wantString: "ghl: GET /contacts/{contactId}: 404 Not Found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			_, resp, err := client.Contacts.Get(context.Background(), "abc")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.wantMsg, apiErr.Message)
			assert.Equal(t, tt.wantMsgs, apiErr.Messages)
			assert.Equal(t, tt.wantType, apiErr.ErrorType)
			assert.Equal(t, tt.wantCode, apiErr.Code)
			assert.Equal(t, tt.wantTrace, apiErr.TraceID)
			assert.Equal(t, tt.body, string(apiErr.Body))
			assert.Equal(t, 1, apiErr.Attempts)
			assert.True(t, errors.Is(err, tt.wantIs), "errors.Is(%v)", tt.wantIs)
			assert.NotNil(t, resp, "the response comes back with the error")
			assert.Same(t, resp.Response, apiErr.Response)
			if tt.wantString != "" {
				assert.Equal(t, tt.wantString, err.Error())
			}
		})
	}
}

func TestRateLimitErrorIsTyped(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("X-RateLimit-Max", "100")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"statusCode":429,"message":"Too many requests"}`)
	})
	_, _, err := client.Contacts.Get(context.Background(), "abc")
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, "7s", rl.RetryAfter.String())
	assert.Equal(t, 100, rl.RateLimit.Max)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "a RateLimitError unwraps to its APIError")
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.True(t, errors.Is(err, ErrRateLimited))
	assert.Equal(t, "ghl: GET /contacts/{contactId}: 429 Too Many Requests: Too many requests (retry after 7s)", err.Error())

	daily := &RateLimitError{Daily: true, RetryAfter: 90 * 60e9}
	assert.Equal(t, "ghl: daily rate limit reached; not sent; budget resets in 1h30m0s", daily.Error())
	assert.True(t, errors.Is(daily, ErrRateLimited))
	assert.Nil(t, daily.Unwrap())
}

func TestErrorsNeverContainTheToken(t *testing.T) {
	client, mux := setup(t)
	// A server that echoes the request, Authorization header included, in every error shape.
	mux.HandleFunc("/contacts/", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		switch strings.TrimPrefix(r.URL.Path, "/contacts/") {
		case "echo-string":
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"statusCode":401,"message":"bad header %s"}`, auth)
		case "echo-array":
			w.WriteHeader(422)
			fmt.Fprintf(w, `{"statusCode":422,"message":["got %s","and %s"]}`, auth, testToken)
		case "echo-nested":
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"code":"X","message":"%s","details":{"auth":"%s"}}}`, auth, auth)
		case "echo-html":
			w.WriteHeader(500)
			fmt.Fprintf(w, `<pre>%s</pre>`, auth)
		}
	})
	for _, id := range []string{"echo-string", "echo-array", "echo-nested", "echo-html"} {
		_, _, err := client.Contacts.Get(context.Background(), id)
		require.Error(t, err)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", apiErr.Messages), string(apiErr.Body), string(apiErr.Details), apiErr.Message} {
			assert.NotContains(t, s, testToken, id)
		}
		assert.Contains(t, string(apiErr.Body), redacted, id)
	}

	// Transport errors and invalid-parameter errors carry no token either.
	dead, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithAccessToken(testToken), WithMaxRetries(0))
	require.NoError(t, err)
	_, _, err = dead.Contacts.Get(context.Background(), "abc")
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.NotContains(t, err.Error(), testToken)
	assert.NotContains(t, err.Error(), "127.0.0.1:1/contacts/abc", "the URL (which can carry e-mails in its query) is not repeated")
}
