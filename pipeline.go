package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// The life of one request: a service method builds a request; send encodes it and hands it to
// go-retryablehttp, which runs the retry loop with the policy of retry.go; every attempt goes
// through attemptTransport (rate limiter, token, the user's transport, observer), which parses
// the response's headers once into the call's state, where the retry policy, the error and
// *Response read them; a non-2xx becomes a typed error; a 2xx body is read once and decoded
// once.

// request is what a service method asks the pipeline to send.
type request struct {
	method string
	path   string // already escaped, starting with "/"
	// route is the path template ("/contacts/{contactId}") used in logs and metrics, so that
	// IDs, which may identify people, stay out of them.
	route string
	query url.Values
	body  any
	// idempotent marks a POST that may be resent after a 5xx or transport error.
	idempotent bool
	// family names the API whose Version header the request carries; zero means the API
	// that the first segment of path names, which is right for every operation GHL documents.
	family API
	// mayBeAbsent marks a method whose value is legitimately absent from a 2xx (a lookup
	// that found nothing): fetch then returns the zero value instead of ErrEmptyResponse.
	mayBeAbsent bool
	// rawBody, if set, is sent instead of body, with contentType: it opens the body afresh
	// for each attempt, so a multipart upload streams instead of being marshalled.
	rawBody     func() (io.Reader, error)
	contentType string
	// accept replaces the Accept header (media downloads).
	accept []string
}

// bodyTaker is a destination of do that takes a 2xx response's body unread, to stream it to
// the caller (a call recording), who closes it.
type bodyTaker interface {
	take(resp *http.Response)
}

var jsonContentType = []string{"application/json"}

// fetch sends req, decodes the 2xx body into an E and returns what pick takes from it: the
// one shape every typed method that returns a value shares. A 2xx without a value (an empty
// body, null, {}, or an envelope whose object is null or missing) is a *DecodeError matching
// ErrEmptyResponse, never a nil value with a nil error, unless the request says the value may
// be absent.
func fetch[E, T any](ctx context.Context, c *Client, req *request, pick func(*E) T) (T, *Response, error) {
	var zero T
	resp, data, st, err := c.send(ctx, req, false)
	if err != nil {
		return zero, resp, err
	}
	if emptyJSON(data) {
		if req.mayBeAbsent {
			return zero, resp, nil
		}
		return zero, resp, st.decodeError(resp, data, ErrEmptyResponse)
	}
	var out E
	if err := decodeResponse(data, &out); err != nil {
		return zero, resp, st.decodeError(resp, data, err)
	}
	if err := st.checkAck(resp, &out); err != nil {
		return zero, resp, err
	}
	v := pick(&out)
	if !req.mayBeAbsent && holdsNoValue(v) {
		return zero, resp, st.decodeError(resp, data, ErrEmptyResponse)
	}
	return v, resp, nil
}

// self is the pick of fetch for a method that returns the whole decoded body.
func self[E any](e *E) *E { return e }

// holdsNoValue reports a nil pointer or interface: what an envelope holds when the object it
// should carry was null or missing. A nil slice or map is an empty list, which is a value.
func holdsNoValue(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// emptyJSON reports a body that holds no value: nothing, null, or an object without members.
func emptyJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, string(b) == "null":
		return true
	case b[0] == '{':
		return len(bytes.TrimSpace(b[1:])) == 1 && b[len(b)-1] == '}'
	}
	return false
}

// do sends req and decodes a 2xx JSON body into out (if non-nil); an empty body leaves out as
// it is, and a bodyTaker takes the body unread. Methods that return a value use fetch instead.
func (c *Client) do(ctx context.Context, req *request, out any) (*Response, error) {
	taker, stream := out.(bodyTaker)
	resp, data, st, err := c.send(ctx, req, stream)
	if err != nil {
		return resp, err
	}
	if stream {
		if resp.ContentLength == 0 && !req.mayBeAbsent {
			resp.Body.Close()
			return resp, st.decodeError(resp, nil, ErrEmptyResponse)
		}
		taker.take(resp.Response)
		return resp, nil
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := decodeResponse(data, out); err != nil {
			return resp, st.decodeError(resp, data, err)
		}
		return resp, st.checkAck(resp, out)
	}
	return resp, nil
}

// acknowledgement is a 2xx body that can say the action failed: {"succeded": false},
// {"success": false}.
type acknowledgement interface {
	failed() bool
}

// checkAck returns a *NotSucceededError when out is an acknowledgement that says the action
// failed; the *Response returned with it becomes the copy an error may keep.
func (st *callState) checkAck(resp *Response, out any) error {
	if a, ok := out.(acknowledgement); !ok || !a.failed() {
		return nil
	}
	resp.Response = keptResponse(resp.Response, st.tokens)
	return &NotSucceededError{Method: st.method, Route: st.route, StatusCode: resp.StatusCode}
}

// errorResponse makes resp, the *Response of a 2xx that a service turns into an error of its
// own, the copy an error may keep (see keptResponse).
func errorResponse(resp *Response) *Response {
	if resp == nil || resp.Response == nil {
		return resp
	}
	var tokens []string
	if req := resp.Request; req != nil {
		if st := callStateFrom(req.Context()); st != nil {
			tokens = st.tokens
		}
	}
	resp.Response = keptResponse(resp.Response, tokens)
	return resp
}

// responseDecoder is a response type with a shape of its own to read (a value sent bare or
// wrapped, a map keyed by date).
type responseDecoder interface {
	decodeResponse(data []byte) error
}

// decodeResponse decodes a 2xx body into out in one validating pass (see decode.go).
func decodeResponse(data []byte, out any) error {
	if d, ok := out.(responseDecoder); ok {
		return d.decodeResponse(data)
	}
	return responseModels.Decode(data, out)
}

// send runs req through the pipeline. On a 2xx it returns the body, read in full (or, with
// stream, left unread in the response for the caller to read and close); otherwise a typed
// error (with the response, if there was one). The call's state comes back for the errors the
// caller may still build from the body.
func (c *Client) send(ctx context.Context, req *request, stream bool) (*Response, []byte, *callState, error) {
	if ctx == nil {
		return nil, nil, nil, errors.New("ghl: nil context")
	}
	if c.tokenSource == nil {
		return nil, nil, nil, ErrNoCredentials
	}
	u := c.cfg.baseURL + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return nil, nil, nil, fmt.Errorf("ghl: encoding %s %s request: %w", req.method, req.route, err)
		}
	}
	cc := &callContext{Context: ctx, st: callState{
		client:     c,
		method:     req.method,
		route:      req.route,
		idempotent: req.idempotent || idempotentFromContext(ctx),
		body:       body,
	}}
	st := &cc.st
	st.tokens = st.tokenBuf[:0]
	var raw any
	switch {
	case body != nil:
		raw = body
	case req.rawBody != nil:
		raw = retryablehttp.ReaderFunc(req.rawBody)
	}
	rreq, err := retryablehttp.NewRequestWithContext(cc, req.method, u, raw)
	if err != nil {
		return nil, nil, st, fmt.Errorf("ghl: building %s %s request: %w", req.method, req.route, err)
	}
	h := rreq.Header
	h["Accept"] = jsonContentType
	if req.accept != nil {
		h["Accept"] = req.accept
	}
	h["Version"] = c.cfg.versions[apiOf(req.family, req.path)]
	h["User-Agent"] = c.cfg.userAgentHeader
	switch {
	case body != nil:
		h["Content-Type"] = jsonContentType
	case req.rawBody != nil:
		h["Content-Type"] = []string{req.contentType}
	}
	httpResp, err := c.cfg.retry.Do(rreq)
	if err != nil {
		return nil, nil, st, st.transportError(cc, err)
	}
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		kept, err := st.apiError(httpResp)
		return &Response{Response: kept, RateLimit: st.hdr.rateLimit}, nil, st, err
	}
	resp := &Response{Response: httpResp, RateLimit: st.hdr.rateLimit}
	if stream {
		return resp, nil, st, nil
	}
	data, err := readBody(httpResp.Body, httpResp.ContentLength, maxResponseBody)
	httpResp.Body.Close()
	if err != nil {
		resp.Response = keptResponse(httpResp, st.tokens)
		return resp, nil, st, fmt.Errorf("ghl: reading %s %s response: %w", req.method, req.route, err)
	}
	return resp, data, st, nil
}

// bodyPrealloc is the largest body read into a buffer sized from Content-Length up front. A
// larger one grows as its bytes arrive, so a server that announces 64 MiB and then stalls
// costs what it sent, not what it announced.
const bodyPrealloc = 64 << 10

// readBody reads a body of at most limit bytes, n of them if n (the Content-Length) is known.
func readBody(r io.Reader, n, limit int64) ([]byte, error) {
	if n > limit {
		return nil, fmt.Errorf("response of %d bytes is over the %d-byte limit", n, limit)
	}
	if n >= 0 && n <= bodyPrealloc {
		buf := make([]byte, n)
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	// Without a length, read one byte past the limit to tell a body at the limit from one over.
	end := limit + 1
	if n >= 0 {
		end = n // net/http never delivers more than the Content-Length
	}
	buf := make([]byte, 0, min(4<<10, end))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= end {
				break
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), end))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) > limit {
		return nil, fmt.Errorf("response is over the %d-byte limit", limit)
	}
	if n >= 0 && int64(len(buf)) < n {
		return nil, io.ErrUnexpectedEOF
	}
	return buf, nil
}

// callState follows one call through its attempts. It lives in the call's context (see
// callStateFrom): the pipeline's own functions receive it directly.
type callState struct {
	client     *Client
	method     string
	route      string
	idempotent bool
	body       []byte

	attempts int
	// hdr is what the headers of the last response said, parsed once when it arrived.
	hdr respHeaders
	// retryReason is set by the retry policy when it asks for another attempt, and reported
	// to the observer when that attempt starts.
	retryReason string
	lastEnd     time.Time
	// tokens holds every access token sent for this call, so error values can be scrubbed of
	// them if a server echoes the request back.
	tokens    []string
	tokenBuf  [1]string // backs tokens for the usual single token, saving an allocation
	refreshed bool      // the one refresh-and-retry after a 401 has been spent
}

// sent records the access token an attempt carries.
func (st *callState) sent(token string) {
	if n := len(st.tokens); n == 0 || st.tokens[n-1] != token {
		st.tokens = append(st.tokens, token)
	}
}

// lastToken returns the access token of the latest attempt ("" if none was sent).
func (st *callState) lastToken() string {
	if n := len(st.tokens); n > 0 {
		return st.tokens[n-1]
	}
	return ""
}

type callStateKey struct{}

// callContext carries a call's state in its context: one allocation where context.WithValue
// plus a separate callState would take two.
type callContext struct {
	context.Context
	st callState
}

func (c *callContext) Value(key any) any {
	if _, ok := key.(callStateKey); ok {
		return &c.st
	}
	return c.Context.Value(key)
}

// callStateFrom finds the state of the call that ctx belongs to. The pipeline passes the state
// to its own functions; only code whose signature carries nothing of ours reaches it through
// the request's context: net/http's RoundTripper (attemptTransport, which sees only the
// request), go-retryablehttp's CheckRetry (which gets the request's ctx) and Backoff (which
// gets the response, whose request has it), and RouteFromContext, for the user's transport.
func callStateFrom(ctx context.Context) *callState {
	if cc, ok := ctx.(*callContext); ok {
		return &cc.st
	}
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// RouteFromContext returns the path template ("/contacts/{contactId}") of the SDK call that
// ctx belongs to. The context of every request the client hands to its HTTP transport
// carries it, so a transport set with WithHTTPClient (a tracing or metrics wrapper) can name
// spans and label measurements by route, never by a path holding IDs. ok is false for
// any other context.
func RouteFromContext(ctx context.Context) (route string, ok bool) {
	if st := callStateFrom(ctx); st != nil {
		return st.route, true
	}
	return "", false
}

// ContextTokenSource is a token source that takes the caller's context, so a wait for a token
// (a refresh in flight, a lock held by another process) can be abandoned.
type ContextTokenSource interface {
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// TokenInvalidator is a token source that can be told the API refused a token (401), so its
// next token is a fresh one. The client asks it for a token again, and sends the request once
// more only if that token differs from the refused one; otherwise the 401 is returned. A 401
// that refuses what the token may do (ErrInsufficientScope, ErrWrongTokenType) is returned
// without telling the source: a fresh token of the same grant would be refused the same way.
type TokenInvalidator interface {
	InvalidateToken(ctx context.Context, rejected *oauth2.Token) error
}

func (c *Client) token(ctx context.Context) (*oauth2.Token, error) {
	switch ts := c.tokenSource.(type) {
	case nil:
		return nil, nil
	case ContextTokenSource:
		return ts.TokenContext(ctx)
	default:
		return ts.Token()
	}
}

// cachedAuth is the Authorization header value for the token last sent by a Client, so a
// token that does not change costs no allocation per request.
type cachedAuth struct {
	token string
	hdr   []string // shared and never written to
}

func (c *Client) authHeader(token string) []string {
	if a := c.auth.Load(); a != nil && a.token == token {
		return a.hdr
	}
	a := &cachedAuth{token: token, hdr: []string{"Bearer " + token}}
	c.auth.Store(a)
	return a.hdr
}

// permanentError marks an error raised inside the attempt layer (limiter, token source) that
// retrying cannot fix.
type permanentError struct{ err error }

// Error describes the failure for a human; it never contains a token or secret.
func (e *permanentError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *permanentError) Unwrap() error { return e.err }

// redirectError is a redirect the client refused: to another host, or past the tenth hop. It
// is final: the same request would be redirected the same way.
type redirectError struct{ reason string }

// Error describes the failure for a human; it never contains a token or secret.
func (e *redirectError) Error() string { return "ghl: " + e.reason }

func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return &redirectError{"stopped after 10 redirects"}
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return &redirectError{fmt.Sprintf("refused redirect to another host (%s)", req.URL.Host)}
	}
	return nil
}

// attemptTransport runs once per attempt: it waits for the location's rate budget, sets a
// fresh token, sends, parses the response's headers and reports the outcome to the limiter
// and the observer. After a 401 it has the token source invalidate the token and sends once
// more, if the source then has another token.
type attemptTransport struct {
	cfg  *config
	next http.RoundTripper
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := callStateFrom(ctx)
	if st == nil {
		return t.next.RoundTrip(req)
	}
	if st.attempts > 0 {
		// A retry or a redirect: the previous attempt's request may still be referenced by the
		// transport, so never write to its header map.
		r2 := *req
		r2.Header = req.Header.Clone()
		req = &r2
	}
	if st.retryReason != "" {
		t.reportRetry(ctx, st, st.retryReason)
		st.retryReason = ""
	}
	resp, err := t.attempt(ctx, st, req, nil)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || st.refreshed {
		return resp, err
	}
	inv, ok := st.client.tokenSource.(TokenInvalidator)
	if !ok {
		return resp, nil
	}
	st.refreshed = true
	return t.refreshAndResend(ctx, st, req, resp, inv)
}

// refreshAndResend answers a 401: the source invalidates the refused token and is asked for
// one again. A different token is sent once (a counted attempt); the same one would be
// refused again, so the 401 itself is returned, body and all. A 401 that refuses what the
// token may do (a scope it lacks, a token type the route does not take) is returned at once:
// a fresh token of the same grant is refused the same way, and a refresh would spend a
// single-use refresh token for nothing.
func (t *attemptTransport) refreshAndResend(ctx context.Context, st *callState, req *http.Request, resp *http.Response, inv TokenInvalidator) (*http.Response, error) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if refusesGrant(body) {
		return resp, nil
	}
	rejected := st.lastToken()
	if err := inv.InvalidateToken(ctx, &oauth2.Token{AccessToken: rejected}); err != nil {
		return nil, &permanentError{err}
	}
	tok, err := st.client.token(ctx)
	if err != nil {
		return nil, &permanentError{err}
	}
	if tok == nil || tok.AccessToken == "" || tok.AccessToken == rejected {
		return resp, nil
	}
	r2 := *req
	r2.Header = req.Header.Clone()
	switch {
	case st.body != nil:
		r2.Body = io.NopCloser(bytes.NewReader(st.body))
	case req.GetBody != nil: // a raw body, opened afresh
		b, err := req.GetBody()
		if err != nil {
			return nil, &permanentError{err}
		}
		r2.Body = b
	}
	t.reportRetry(ctx, st, RetryReasonUnauthorized)
	return t.attempt(ctx, st, &r2, tok)
}

// refusesGrant reports a 401 body in which GHL refuses what the token may do, not the token
// itself (see ErrInsufficientScope and ErrWrongTokenType).
func refusesGrant(body []byte) bool {
	e := APIError{StatusCode: http.StatusUnauthorized}
	e.decodeBody(body)
	return e.refusal() != nil
}

func (t *attemptTransport) reportRetry(ctx context.Context, st *callState, reason string) {
	waited := time.Since(st.lastEnd)
	loc := st.client.locationID
	t.cfg.observer.OnRetry(ctx, RetryInfo{Method: st.method, Route: st.route, LocationID: loc, Attempt: st.attempts + 1, Reason: reason, Waited: waited})
	t.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: retrying request", slog.String("method", st.method), slog.String("route", st.route),
		slog.String("location", loc), slog.Int("attempt", st.attempts+1), slog.String("reason", reason), slog.Duration("waited", waited))
}

// attempt sends req once, with tok, or with a token from the source when tok is nil.
func (t *attemptTransport) attempt(ctx context.Context, st *callState, req *http.Request, tok *oauth2.Token) (*http.Response, error) {
	cfg := t.cfg
	key := st.client.locationID
	st.attempts++
	st.hdr = respHeaders{}
	waitStart := time.Now()
	if err := cfg.limiter.Wait(ctx, key); err != nil {
		if ctx.Err() == nil {
			// The limiter refused (the budget is spent for longer than the call may wait):
			// nothing was sent, but an operator needs to see it.
			cfg.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: request not sent: rate limit",
				slog.String("method", st.method), slog.String("route", st.route),
				slog.String("location", key), slog.String("error", err.Error()))
		}
		return nil, &permanentError{err}
	}
	start := time.Now()
	if waited := start.Sub(waitStart); waited >= time.Millisecond {
		cfg.observer.OnRateLimitWait(ctx, RateLimitWaitInfo{LocationID: key, Route: st.route, Waited: waited})
		if waited >= slowWaitThreshold {
			cfg.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: waited for rate limit",
				slog.String("location", key), slog.String("route", st.route), slog.Duration("waited", waited))
		}
	}
	if tok == nil {
		var err error
		if tok, err = st.client.token(ctx); err != nil {
			cfg.limiter.Observe(key, Observation{Received: time.Now(), Err: err, NotSent: true})
			return nil, &permanentError{err}
		}
	}
	if tok != nil && tok.AccessToken != "" {
		st.sent(tok.AccessToken)
		req.Header["Authorization"] = st.client.authHeader(tok.AccessToken)
	}
	resp, err := t.next.RoundTrip(req)
	end := time.Now()
	st.lastEnd = end
	info := AttemptInfo{Method: st.method, Route: st.route, LocationID: key, Attempt: st.attempts, Duration: end.Sub(start), Err: err}
	obs := Observation{Sent: start, Received: end, Err: err}
	if resp != nil {
		st.hdr = parseResponseHeaders(resp.Header, end)
		obs.StatusCode, obs.RateLimit, obs.RetryAfter = resp.StatusCode, st.hdr.rateLimit, st.hdr.retryAfter
		info.StatusCode, info.RateLimit = resp.StatusCode, st.hdr.rateLimit
	}
	cfg.limiter.Observe(key, obs)
	cfg.observer.OnAttempt(ctx, info)
	if cfg.logger.Enabled(ctx, slog.LevelDebug) {
		cfg.logger.LogAttrs(ctx, slog.LevelDebug, "ghl: attempt",
			slog.String("method", st.method), slog.String("route", st.route), slog.String("location", key),
			slog.Int("status", info.StatusCode), slog.Int("attempt", st.attempts),
			slog.Duration("duration", info.Duration), slog.Int("ratelimit_remaining", info.RateLimit.Remaining))
	}
	return resp, err
}

// slowWaitThreshold is the rate-limit wait above which the client logs at info level.
const slowWaitThreshold = time.Second

// newRetryClient wires the retry policy into go-retryablehttp, which runs the loop.
func newRetryClient(cfg *config) *retryablehttp.Client {
	p := cfg.retryPolicy
	return &retryablehttp.Client{
		HTTPClient:   cfg.httpClient,
		Logger:       nil, // the SDK logs through slog, never to stderr
		RetryWaitMin: p.MinWait,
		RetryWaitMax: p.MaxWait,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   checkRetryHook,
		Backoff:      p.backoffHook,
		ErrorHandler: keepLastResponse,
	}
}

// checkRetryHook is go-retryablehttp's CheckRetry: it never retries once ctx is done, and
// otherwise asks the policy, which reads the call's state (its method, and the headers of the
// response, parsed when it arrived).
func checkRetryHook(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	st := callStateFrom(ctx)
	if st == nil {
		return false, err
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	deadline, _ := ctx.Deadline()
	reason, retry := st.client.cfg.retryPolicy.decide(st.method, st.idempotent, status, st.hdr, err, time.Now(), deadline)
	if !retry {
		return false, err
	}
	st.retryReason = reason
	return true, nil
}

// backoffHook is go-retryablehttp's Backoff. It gets the last response only; the headers the
// policy needs were parsed into the call's state when that response arrived.
func (p RetryPolicy) backoffHook(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	var hdr respHeaders
	status := 0
	if resp != nil {
		status = resp.StatusCode
		if resp.Request != nil {
			if st := callStateFrom(resp.Request.Context()); st != nil {
				hdr = st.hdr
			}
		}
	}
	return p.wait(minWait, maxWait, attempt, status, hdr)
}

// keepLastResponse hands the last response to the caller when retries run out, so it becomes
// a typed *APIError instead of a bare "giving up".
func keepLastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		drainClose(resp.Body)
	}
	return nil, err
}

func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// apiError reads and closes the body of a non-2xx response and builds its typed error. The
// response it keeps (and returns, for *Response) holds no secret: see keptResponse.
func (st *callState) apiError(resp *http.Response) (*http.Response, error) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	e := parseAPIError(resp, body, st.tokens)
	e.Method, e.Route, e.Attempts = st.method, st.route, st.attempts
	if resp.StatusCode != http.StatusTooManyRequests {
		return e.Response, e
	}
	rl := st.hdr.rateLimit
	wait := st.hdr.retryAfter
	if wait == 0 {
		wait = rl.Interval
	}
	return e.Response, &RateLimitError{APIError: *e, RetryAfter: wait, RateLimit: rl, Daily: rl.Present && rl.DailyLimit > 0 && rl.DailyRemaining == 0}
}

// decodeError reports a 2xx body that did not decode, or held no value; the body it keeps is
// capped and scrubbed of this call's tokens, in case the server echoed the request. The
// *Response returned with it becomes the copy an error may keep (see keptResponse).
func (st *callState) decodeError(resp *Response, data []byte, err error) *DecodeError {
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
		resp.Response = keptResponse(resp.Response, st.tokens)
	}
	kept := redactBytes(bytes.Clone(truncate(data, maxErrorBody)), st.tokens)
	return &DecodeError{Method: st.method, Route: st.route, StatusCode: status, Body: kept, Err: err}
}

// transportError turns what go-retryablehttp returned without a response into the caller's
// error: the attempt layer's own errors as they are, ctx's error, or a *TransportError.
func (st *callState) transportError(ctx context.Context, err error) error {
	var perm *permanentError
	if errors.As(err, &perm) {
		return perm.err
	}
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("ghl: %s %s: %w", st.method, st.route, ctxErr)
	}
	// url.Error repeats the full URL, which can carry e-mail addresses and phone numbers from
	// the query; report the route template instead.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return &TransportError{Method: st.method, Route: st.route, Attempts: st.attempts, Err: err}
}

// checkID rejects an ID that is empty or that path escaping cannot make safe ("." and ".."
// would be resolved away by servers and proxies).
func checkID(param, id string) error {
	switch {
	case id == "":
		return &InvalidParamError{Param: param, Reason: "must not be empty"}
	case strings.TrimSpace(id) == "":
		return &InvalidParamError{Param: param, Reason: "must not be blank"}
	case id == "." || id == "..":
		return &InvalidParamError{Param: param, Reason: fmt.Sprintf("%q is not a valid ID", id)}
	}
	return nil
}

// escapeIDs checks each (name, value) pair with checkID and returns the path-escaped values,
// so "a/b", "x?y" or "%2F" stay one path segment.
func escapeIDs(pairs ...string) ([]string, error) {
	out := make([]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkID(pairs[i], pairs[i+1]); err != nil {
			return nil, err
		}
		out[i/2] = url.PathEscape(pairs[i+1])
	}
	return out, nil
}
