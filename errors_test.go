package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

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

// secretWalker looks, reflectively, for a secret anywhere reachable from a value: every field
// (exported or not), pointer, interface, slice (to its capacity: bytes past the length are
// still held), array and map key and value, so a header, a body, a kept request or its context
// are all searched. sync/atomic values are read through their Load method. Channels, funcs and
// other unsafe pointers cannot be followed.
type secretWalker struct {
	secrets []string
	seen    map[walkVisit]bool
	found   []string
	nodes   int
}

type walkVisit struct {
	typ reflect.Type
	ptr uintptr
}

// secretsReachable returns the path of every string or byte slice reachable from v that holds
// one of secrets.
func secretsReachable(v any, secrets []string) []string {
	w := &secretWalker{secrets: secrets, seen: map[walkVisit]bool{}}
	w.walk(reflect.ValueOf(v), "err")
	return w.found
}

func (w *secretWalker) check(s, path string) {
	for _, sec := range w.secrets {
		if strings.Contains(s, sec) {
			w.found = append(w.found, path)
			return
		}
	}
}

// readable drops reflect's read-only mark from a value reached through unexported fields, so
// its methods can be called; only addressable values can be.
func readable(v reflect.Value) reflect.Value {
	if v.CanAddr() && !v.CanInterface() {
		return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	return v
}

func (w *secretWalker) once(typ reflect.Type, ptr uintptr) bool {
	k := walkVisit{typ, ptr}
	if w.seen[k] {
		return false
	}
	w.seen[k] = true
	return true
}

func (w *secretWalker) walk(v reflect.Value, path string) {
	if w.nodes++; w.nodes > 2_000_000 {
		w.found = append(w.found, path+": too much to walk")
		return
	}
	switch v.Kind() {
	case reflect.String:
		w.check(v.String(), path)
	case reflect.Pointer:
		if !v.IsNil() && w.once(v.Type(), v.Pointer()) {
			w.walk(v.Elem(), "(*"+path+")")
		}
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), path)
		}
	case reflect.Struct:
		v = readable(v)
		for i := range v.NumField() {
			w.walk(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
		if v.Type().PkgPath() == "sync/atomic" && v.CanAddr() {
			if m := v.Addr().MethodByName("Load"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
				w.walk(m.Call(nil)[0], path+".Load()")
			}
		}
	case reflect.Slice:
		if v.IsNil() || !w.once(v.Type(), v.Pointer()) {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			w.check(string(v.Slice(0, v.Cap()).Bytes()), path)
			return
		}
		for i := range v.Len() {
			w.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if v.IsNil() || !w.once(v.Type(), v.Pointer()) {
			return
		}
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key())
			w.walk(it.Key(), path+"[key "+k+"]")
			w.walk(it.Value(), path+"["+k+"]")
		}
	}
}

// TestSecretWalkerFindsWhatIsReachable proves the walker can fail: it finds a token in a
// request's header, in the call's state behind a request's context, in a client (its token
// source) and behind an atomic pointer. (No live connection is walked: the race detector would
// rightly object to reading a transport's buffers while it runs.)
func TestSecretWalkerFindsWhatIsReachable(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://ghl.example/contacts/x", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	assert.Equal(t, []string{"(*(*err).Request).Header[Authorization][0]"},
		secretsReachable(&http.Response{Request: req}, []string{testToken}))

	cc := &callContext{Context: context.Background()}
	cc.st.sent(testToken)
	assert.Equal(t, []string{"(*(*(*err).Request).ctx).st.tokens[0]"},
		secretsReachable(&http.Response{Request: (&http.Request{}).WithContext(cc)}, []string{testToken}))

	c, err := NewClient(WithAccessToken(testToken), WithHTTPClient(&http.Client{Transport: &stubTransport{}}))
	require.NoError(t, err)
	assert.NotEmpty(t, secretsReachable(c, []string{testToken}))

	var p atomic.Pointer[string]
	tok := "atomic-" + testToken
	p.Store(&tok)
	holder := struct{ p *atomic.Pointer[string] }{&p}
	assert.Equal(t, []string{"(*(*err.p).Load())"}, secretsReachable(holder, []string{testToken}))
	assert.Empty(t, secretsReachable(struct{ a, b string }{"x", "y"}, []string{testToken}))
}

// errorCase makes an error through a real flow, and names the secrets that must not be
// reachable from it (nor from the *Response returned with it).
type errorCase struct {
	name string
	make func(t *testing.T) flowResult
}

// flowResult is what a flow of errorCases ended with.
type flowResult struct {
	err     error
	resp    any      // the *Response returned with err
	secrets []string // every token the flow used
}

// echoAuth answers with the request's Authorization header everywhere a server could put it:
// the body (in every error shape), a response header and the trace header.
func echoAuth(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Echo-Authorization", auth)
		w.Header().Set("X-Trace-Id", "trace "+auth)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, strings.ReplaceAll(body, "AUTH", auth))
	}
}

// errorCases are the error values the pipeline, the token paths, webhooks and services
// produce, each through the flow that makes it.
func errorCases() []errorCase {
	return append(append(append(pipelineErrorCases(), authErrorCases()...), webhookErrorCases()...), serviceErrorCases()...)
}

// pipelineErrorCases are the error values of the pipeline.
func pipelineErrorCases() []errorCase {
	get := func(t *testing.T, h http.HandlerFunc, opts ...Option) flowResult {
		ts := &countingSource{}
		client, mux := setup(t, append([]Option{WithTokenSource(ts)}, opts...)...)
		mux.HandleFunc("/contacts/x", h)
		_, resp, err := client.Contacts.Get(context.Background(), "x")
		return flowResult{err, resp, ts.issued()}
	}
	return []errorCase{
		{"APIError 422 echoing the token", func(t *testing.T) flowResult {
			return get(t, echoAuth(422, `{"statusCode":422,"message":["AUTH","AUTH"],"error":{"code":"AUTH","details":{"h":"AUTH"}}}`))
		}},
		{"APIError 401 after a refresh, both tokens echoed", func(t *testing.T) flowResult {
			return get(t, echoAuth(401, `{"statusCode":401,"message":"AUTH"}`))
		}},
		{"APIError 500 html echo, after retries", func(t *testing.T) flowResult {
			return get(t, echoAuth(500, `<pre>AUTH</pre>`), fastRetries(2)...)
		}},
		{"RateLimitError 429 echoing the token", func(t *testing.T) flowResult {
			return get(t, echoAuth(429, `{"statusCode":429,"message":"AUTH"}`))
		}},
		{"RateLimitError daily budget spent, nothing sent", func(t *testing.T) flowResult {
			ts := &countingSource{}
			client, mux := setup(t, WithTokenSource(ts))
			mux.HandleFunc("/contacts/x", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Ratelimit-Limit-Daily", "100")
				w.Header().Set("X-Ratelimit-Daily-Remaining", "0")
				echoAuth(200, `{"contact":{"id":"x","note":"AUTH"}}`)(w, r)
			})
			_, _, err := client.Contacts.Get(context.Background(), "x")
			require.NoError(t, err)
			_, resp, err := client.Contacts.Get(context.Background(), "x")
			var rle *RateLimitError
			require.ErrorAs(t, err, &rle)
			return flowResult{err, resp, ts.issued()}
		}},
		{"DecodeError of a 2xx echoing the token", func(t *testing.T) flowResult {
			return get(t, echoAuth(200, `{"contact":{"id":12,"auth":"AUTH"}}`))
		}},
		{"DecodeError of a 2xx without a value", func(t *testing.T) flowResult {
			return get(t, echoAuth(200, `{"contact":null,"auth":"AUTH"}`))
		}},
		{"TransportError: redirect to another host", func(t *testing.T) flowResult {
			return get(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1:1/steal?auth="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusFound)
			})
		}},
		{"TransportError: connection reset", func(t *testing.T) flowResult {
			return get(t, func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			})
		}},
		{"context deadline", func(t *testing.T) flowResult {
			ts := &countingSource{}
			client, mux := setup(t, WithTokenSource(ts))
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			mux.HandleFunc("/contacts/x", func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, resp, err := client.Contacts.Get(ctx, "x")
			require.ErrorIs(t, err, context.DeadlineExceeded)
			return flowResult{err, resp, ts.issued()}
		}},
		{"InvalidParamError", func(t *testing.T) flowResult {
			client, _ := setup(t)
			_, resp, err := client.Contacts.Get(context.Background(), "..")
			return flowResult{err, resp, []string{testToken}}
		}},
		{"ErrNoCredentials", func(t *testing.T) flowResult {
			c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithLocationID("loc-1"))
			require.NoError(t, err)
			_, resp, err := c.Contacts.Get(context.Background(), "x")
			return flowResult{err, resp, []string{"no-token-anywhere"}}
		}},
	}
}

// TestNoSecretReachableFromErrors walks every error value (and the *Response returned with
// it), reflectively, for a token of the call, and checks its text.
func TestNoSecretReachableFromErrors(t *testing.T) {
	for _, tc := range errorCases() {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.make(t)
			err, resp, secrets := res.err, res.resp, res.secrets
			require.Error(t, err)
			require.NotEmpty(t, secrets, "the flow used a token")
			assert.Empty(t, secretsReachable(err, secrets), "from the error")
			assert.Empty(t, secretsReachable(resp, secrets), "from the *Response returned with it")
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				for _, s := range secrets {
					assert.NotContains(t, text, s)
				}
			}
		})
	}
}

// TestEveryErrorFieldIsSafeToRead reads every field of the zero value of every error type, and
// calls its methods: none may panic (a RateLimitError for a spent budget has no response).
func TestEveryErrorFieldIsSafeToRead(t *testing.T) {
	rl := &RateLimitError{Daily: true, RetryAfter: time.Hour}
	assert.Equal(t, 0, rl.StatusCode)
	assert.Empty(t, rl.Message)
	assert.Nil(t, rl.Response)
	assert.Equal(t, "ghl: daily rate limit reached; not sent; budget resets in 1h0m0s", rl.Error())
	assert.Nil(t, rl.Unwrap())
	assert.ErrorIs(t, rl, ErrRateLimited)
	var apiErr *APIError
	assert.False(t, errors.As(error(rl), &apiErr), "nothing was sent: no APIError")

	for _, err := range []error{&APIError{}, &RateLimitError{}, &DecodeError{}, &TransportError{}, &InvalidParamError{},
		&NotSucceededError{}, &PaginationError{}, &UnknownCustomFieldError{}, &ExtensionConflictError{},
		&TokenError{}, &RefreshOutcomeUnknownError{}, &LocationInactiveError{}, &TokenSaveError{},
		&WebhookPayloadError{}, &ConversationProviderError{}} {
		assert.NotPanics(t, func() {
			_ = err.Error()
			_ = errors.Unwrap(err)
			_ = errors.Is(err, ErrRateLimited)
			_ = fmt.Sprintf("%+v %#v", err, err)
			secretsReachable(err, []string{"x"})
		}, "%T", err)
	}
}
