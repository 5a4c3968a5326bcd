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
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// Version is the version of this SDK; it is sent in the User-Agent header.
const Version = "0.1.0"

const (
	// DefaultBaseURL is GHL's API host.
	DefaultBaseURL = "https://services.leadconnectorhq.com"
	// DefaultAPIVersion is the Version header value that every Contacts operation declares.
	DefaultAPIVersion = "2021-07-28"
	// DefaultMaxRetries is how many times a retryable request is retried after its first attempt.
	DefaultMaxRetries = 3
	// DefaultResponseHeaderTimeout is how long an attempt waits for the response headers when
	// the client uses its own transport (no WithHTTPClient, or one without a Transport).
	DefaultResponseHeaderTimeout = 60 * time.Second

	defaultUserAgent = "ghl-go/" + Version
	// maxErrorBody caps how much of an error response is kept, so a hostile or broken server
	// cannot make an error value hold megabytes.
	maxErrorBody = 1 << 20
	// maxResponseBody caps a successful response; the largest legitimate page (500 contacts)
	// is a few MiB.
	maxResponseBody = 64 << 20
)

// Client talks to the GHL API. It is safe for concurrent use. Create one with NewClient and
// share it.
type Client struct {
	cfg *config

	// locationID keys the rate limiter and fills in locationId where the API needs one and
	// the caller left it empty.
	locationID  string
	tokenSource oauth2.TokenSource
	auth        atomic.Pointer[cachedAuth]

	common service
	// caches holds what the Users and Locations services remember per client; it costs
	// nothing until used.
	caches locationCaches

	Contacts     *ContactsService
	Tasks        *TasksService
	Notes        *NotesService
	Appointments *AppointmentsService
	Tags         *TagsService

	Calendars     *CalendarsService
	Users         *UsersService
	Locations     *LocationsService
	Conversations *ConversationsService
}

// service is the value every XService is a conversion of, so wiring a service costs nothing.
type service struct{ client *Client }

// config holds what every client derived from one NewClient call shares. It is never
// mutated after NewClient returns.
type config struct {
	baseURL     string // no trailing slash
	apiVersion  string
	userAgent   string
	maxRetries  int
	retryPolicy RetryPolicy

	httpClient *http.Client // the caller's, used as the transport below our attempt layer
	retry      *retryablehttp.Client
	limiter    Limiter
	logger     *slog.Logger
	observer   Observer

	// Header values shared by every request; never written to (a retry clones the header
	// before changing it).
	versionHeader   []string
	userAgentHeader []string
}

// Option configures a Client. Options validate their input; NewClient returns the first error.
type Option func(*options) error

type options struct {
	baseURL     string
	apiVersion  string
	userAgent   string
	maxRetries  int
	retryPolicy RetryPolicy
	httpClient  *http.Client
	tokenSource oauth2.TokenSource
	limiter     Limiter
	logger      *slog.Logger
	observer    Observer
	locationID  string
}

// WithBaseURL points the client at another host, such as a ghltest server. It may carry a
// path prefix.
func WithBaseURL(raw string) Option {
	return func(o *options) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("ghl: invalid base URL: %w", err)
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("ghl: invalid base URL %q: scheme must be http or https", raw)
		}
		if u.Host == "" {
			return fmt.Errorf("ghl: invalid base URL %q: no host", raw)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("ghl: invalid base URL %q: must not carry a query, fragment or user info", raw)
		}
		o.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	}
}

// WithHTTPClient sets the HTTP client whose transport carries the requests. The client is
// copied, so later changes to it do not affect this Client; its CheckRedirect is replaced by
// one that refuses redirects to another host, so the Authorization header never leaves GHL.
// Its Timeout, if set, bounds each attempt including the wait for the rate limiter; prefer a
// deadline on the call's context and timeouts on the Transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("ghl: WithHTTPClient: nil *http.Client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithAccessToken authenticates every request with a fixed token: a Private Integration
// Token or an OAuth access token that the caller refreshes elsewhere.
func WithAccessToken(token string) Option {
	return func(o *options) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("ghl: WithAccessToken: empty token")
		}
		o.tokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"})
		return nil
	}
}

// WithTokenSource authenticates requests with tokens from ts. A source that also implements
// ContextTokenSource receives the request's context; one that implements TokenInvalidator is
// told when the API refuses its token, and the request is retried once with a fresh one.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("ghl: WithTokenSource: nil token source")
		}
		o.tokenSource = ts
		return nil
	}
}

// WithMaxRetries sets how many times a retryable request is retried (default 3; 0 disables
// retries).
func WithMaxRetries(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("ghl: WithMaxRetries: %d is negative", n)
		}
		o.maxRetries = n
		return nil
	}
}

// WithRateLimiter replaces the default in-process limiter, for example with one shared by
// many processes.
func WithRateLimiter(l Limiter) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("ghl: WithRateLimiter: nil limiter")
		}
		o.limiter = l
		return nil
	}
}

// WithLogger sends the client's structured logs to l. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("ghl: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithUserAgent appends s to the User-Agent header ("ghl-go/<version> s"), so GHL and proxies
// can tell which application sent a request.
func WithUserAgent(s string) Option {
	return func(o *options) error {
		if strings.ContainsAny(s, "\r\n") {
			return errors.New("ghl: WithUserAgent: value contains a line break")
		}
		o.userAgent = strings.TrimSpace(s)
		return nil
	}
}

// WithAPIVersion overrides the Version header (default 2021-07-28).
func WithAPIVersion(v string) Option {
	return func(o *options) error {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("ghl: WithAPIVersion: invalid version %q", v)
		}
		o.apiVersion = v
		return nil
	}
}

// WithLocationID names the location (sub-account) this client acts for. It keys the rate
// limiter, whose budget GHL counts per location, and fills in locationId in requests that need
// one and were given none.
func WithLocationID(id string) Option {
	return func(o *options) error {
		if err := checkID("locationID", id); err != nil {
			return err
		}
		o.locationID = id
		return nil
	}
}

// WithObserver reports what the client does (attempts, retries, rate-limit waits, token
// refreshes) to obs, for metrics and tracing.
func WithObserver(obs Observer) Option {
	return func(o *options) error {
		if obs == nil {
			return errors.New("ghl: WithObserver: nil observer")
		}
		o.observer = obs
		return nil
	}
}

// WithRetryPolicy replaces the retry timing (backoff bounds and the Retry-After cap).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if err := p.validate(); err != nil {
			return err
		}
		o.retryPolicy = p
		return nil
	}
}

// NewClient returns a client configured by opts. A client without WithAccessToken or
// WithTokenSource is a valid base for an OAuthApp (OAuthConfig.Client), but its own calls fail
// with ErrNoCredentials before anything is sent.
func NewClient(opts ...Option) (*Client, error) {
	o := options{
		baseURL:     DefaultBaseURL,
		apiVersion:  DefaultAPIVersion,
		maxRetries:  DefaultMaxRetries,
		retryPolicy: DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cfg := &config{
		baseURL:     o.baseURL,
		apiVersion:  o.apiVersion,
		userAgent:   defaultUserAgent,
		maxRetries:  o.maxRetries,
		retryPolicy: o.retryPolicy,
		limiter:     o.limiter,
		logger:      o.logger,
		observer:    o.observer,
	}
	if o.userAgent != "" {
		cfg.userAgent += " " + o.userAgent
	}
	cfg.versionHeader = []string{cfg.apiVersion}
	cfg.userAgentHeader = []string{cfg.userAgent}
	if cfg.logger == nil {
		cfg.logger = slog.New(discardHandler{})
	}
	if cfg.observer == nil {
		cfg.observer = NopObserver{}
	}
	if cfg.limiter == nil {
		cfg.limiter, _ = NewLimiter() // no options: cannot fail
	}
	var base http.Client
	if o.httpClient != nil {
		base = *o.httpClient
	}
	inner := base.Transport
	if inner == nil {
		// Bound the wait for a response's headers per attempt, so a server that accepts a
		// request and never answers costs one retry instead of hanging until ctx ends. It cannot
		// be http.Client.Timeout: that would also cut short the limiter's wait inside the round
		// trip and the reading of a large page.
		inner = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
			inner = t
		}
	}
	base.Transport = &attemptTransport{cfg: cfg, next: inner}
	base.CheckRedirect = sameHostRedirect
	cfg.httpClient = &base
	cfg.retry = newRetryClient(cfg)
	return newClient(cfg, o.locationID, o.tokenSource), nil
}

func newClient(cfg *config, locationID string, ts oauth2.TokenSource) *Client {
	c := &Client{cfg: cfg, locationID: locationID, tokenSource: ts}
	c.common.client = c
	c.Contacts = (*ContactsService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.Notes = (*NotesService)(&c.common)
	c.Appointments = (*AppointmentsService)(&c.common)
	c.Tags = (*TagsService)(&c.common)
	c.Calendars = (*CalendarsService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Locations = (*LocationsService)(&c.common)
	c.Conversations = (*ConversationsService)(&c.common)
	return c
}

// LocationID returns the location this client acts for ("" if none was set).
func (c *Client) LocationID() string { return c.locationID }

func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("ghl: stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("ghl: refused redirect to another host (%s)", req.URL.Host)
	}
	return nil
}

// Response wraps the HTTP response of a call. Its body has already been read and closed.
type Response struct {
	*http.Response
	// RateLimit is what the X-RateLimit-* headers said about the remaining budget.
	RateLimit RateLimit
}

// RateLimit is the budget GHL reports in its X-RateLimit-* headers. A zero field means the
// header was absent.
type RateLimit struct {
	Max            int           // X-RateLimit-Max: requests allowed per interval
	Remaining      int           // X-RateLimit-Remaining: requests left in this interval
	Interval       time.Duration // X-RateLimit-Interval-Milliseconds
	DailyLimit     int           // X-RateLimit-Limit-Daily
	DailyRemaining int           // X-RateLimit-Daily-Remaining
	// Present reports whether the response carried any of the headers.
	Present bool
}

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
	// family names the API, which sets the Version header.
	family apiFamily
	// rawBody, if set, is sent instead of body, with contentType: it opens the body afresh
	// for each attempt, so a multipart upload streams instead of being marshalled.
	rawBody     func() (io.Reader, error)
	contentType string
	// accept replaces the Accept header (media downloads).
	accept []string
}

// RawRequest describes a call to an endpoint this SDK has no method for.
type RawRequest struct {
	Method string
	// Path is relative to the base URL, starts with "/" and is already escaped: pass every ID
	// through url.PathEscape.
	Path string
	// Route names the endpoint in logs and metrics, e.g. "/calendars/events/{eventId}". It
	// must not contain IDs; empty means "METHOD (raw)".
	Route string
	Query url.Values
	// Body, if non-nil, is sent as JSON.
	Body any
	// Idempotent marks a POST as safe to resend after a 5xx or a broken connection.
	Idempotent bool
}

// Do sends req through the same pipeline as the typed methods (token, rate limit, retries,
// typed errors, monitoring) and decodes a 2xx JSON body into out, if out is non-nil. It is
// the way to reach endpoints outside the Contacts API, such as the Calendars API; set their
// Version header with WithAPIVersion on a client for that API.
func (c *Client) Do(ctx context.Context, req *RawRequest, out any) (*Response, error) {
	switch {
	case req == nil:
		return nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case req.Method == "" || strings.ContainsAny(req.Method, " \t\r\n/"):
		return nil, &InvalidParamError{Param: "req.Method", Reason: fmt.Sprintf("%q is not an HTTP method", req.Method)}
	case !strings.HasPrefix(req.Path, "/") || strings.ContainsAny(req.Path, "?#\r\n"):
		return nil, &InvalidParamError{Param: "req.Path", Reason: "must start with / and carry no query or fragment (use Query)"}
	}
	for _, seg := range strings.Split(req.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, &InvalidParamError{Param: "req.Path", Reason: "must not contain . or .. segments"}
		}
	}
	route := req.Route
	if route == "" {
		route = req.Method + " (raw)"
	}
	return c.do(ctx, &request{method: req.Method, path: req.Path, route: route, query: req.Query, body: req.Body, idempotent: req.Idempotent}, out)
}

// fetch sends req, decodes the 2xx body into an E and returns what pick takes from it: the
// one shape every typed method shares.
func fetch[E, T any](ctx context.Context, c *Client, req *request, pick func(*E) T) (T, *Response, error) {
	var out E
	resp, err := c.do(ctx, req, &out)
	if err != nil {
		var zero T
		return zero, resp, err
	}
	return pick(&out), resp, nil
}

// self is the pick of fetch for a method that returns the whole decoded body.
func self[E any](e *E) *E { return e }

// do sends req through the pipeline and decodes a 2xx JSON body into out (if non-nil).
func (c *Client) do(ctx context.Context, req *request, out any) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("ghl: nil context")
	}
	if c.tokenSource == nil {
		return nil, ErrNoCredentials
	}
	u := c.cfg.baseURL + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("ghl: encoding %s %s request: %w", req.method, req.route, err)
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
	ctx = cc
	var raw any
	if body != nil {
		raw = body
	}
	if req.rawBody != nil {
		raw = retryablehttp.ReaderFunc(req.rawBody)
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, req.method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("ghl: building %s %s request: %w", req.method, req.route, err)
	}
	h := rreq.Header
	h["Accept"] = jsonContentType
	if req.accept != nil {
		h["Accept"] = req.accept
	}
	h["Version"] = c.cfg.versionHeaderFor(req.family)
	h["User-Agent"] = c.cfg.userAgentHeader
	if body != nil {
		h["Content-Type"] = jsonContentType
	} else if req.rawBody != nil {
		h["Content-Type"] = []string{req.contentType}
	}
	httpResp, err := c.cfg.retry.Do(rreq)
	if err != nil {
		return nil, st.wrapTransportError(ctx, err)
	}
	resp := &Response{Response: httpResp, RateLimit: parseRateLimit(httpResp.Header)}
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		return resp, st.newAPIError(httpResp)
	}
	if sb, ok := out.(*streamedBody); ok {
		sb.take(httpResp) // the caller reads and closes the body
		return resp, nil
	}
	defer httpResp.Body.Close()
	data, err := readBody(httpResp, maxResponseBody)
	if err != nil {
		return resp, fmt.Errorf("ghl: reading %s %s response: %w", req.method, req.route, err)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := decodeResponse(data, out); err != nil {
			return resp, &DecodeError{Method: req.method, Route: req.route, StatusCode: httpResp.StatusCode, Body: truncate(data, maxErrorBody), Err: err}
		}
	}
	return resp, nil
}

var jsonContentType = []string{"application/json"}

// DecodeError reports a 2xx response whose body did not decode into the expected type.
type DecodeError struct {
	Method     string
	Route      string
	StatusCode int
	Body       []byte
	Err        error
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("ghl: %s %s: decoding %d response: %v", e.Method, e.Route, e.StatusCode, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *DecodeError) Unwrap() error { return e.Err }

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }

// callState follows one call through its attempts. The retry loop, the attempt transport and
// the error builder find it in the request's context.
type callState struct {
	client     *Client
	method     string
	route      string
	idempotent bool
	body       []byte

	attempts    int
	retryReason string
	lastEnd     time.Time
	// tokens holds every access token sent for this call, so error values can be scrubbed of
	// them if a server echoes the request back.
	tokens    []string
	tokenBuf  [1]string // backs tokens for the usual single token, saving an allocation
	refreshed bool      // the one refresh-and-retry after a 401 has been spent
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

// responseDecoder is a response envelope that decodes itself in one validating pass. For an
// envelope holding a type with its own UnmarshalJSON, encoding/json validates the bytes, then
// scans the nested value again to hand it over, and the nested Unmarshal validates it once
// more: together about a third of the cost of a GET.
type responseDecoder interface {
	decodeResponse(data []byte) error
}

func decodeResponse(data []byte, out any) error {
	if d, ok := out.(responseDecoder); ok {
		return d.decodeResponse(data)
	}
	return json.Unmarshal(data, out)
}

// readBody reads a response body of at most limit bytes; with a Content-Length it reads into
// one buffer of the exact size instead of growing one.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n)
		_, err := io.ReadFull(resp.Body, buf)
		return buf, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
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

func callStateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// ContextTokenSource is a token source that takes the caller's context, so a wait for a token
// (a refresh in flight, a lock held by another process) can be abandoned.
type ContextTokenSource interface {
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// TokenInvalidator is a token source that can be told the API refused a token (401), so its
// next token is a fresh one. The client then retries the request once.
type TokenInvalidator interface {
	InvalidateToken(ctx context.Context, rejected *oauth2.Token) error
}

// permanentError marks an error raised inside the attempt layer (limiter, token source) that
// retrying cannot fix.
type permanentError struct{ err error }

// Error describes the failure for a human; it never contains a token or secret.
func (e *permanentError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *permanentError) Unwrap() error { return e.err }

// attemptTransport runs once per attempt: it waits for the location's rate budget, sets a
// fresh token, sends, and reports the outcome to the limiter and the observer.
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
		// A retry: the previous attempt's request may still be referenced by the transport, so
		// never write to its header map.
		r2 := *req
		r2.Header = req.Header.Clone()
		req = &r2
	}
	st.attempts++
	resp, err := t.attempt(ctx, st, req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && !st.refreshed {
		if inv, ok := st.client.tokenSource.(TokenInvalidator); ok {
			st.refreshed = true
			rejected := &oauth2.Token{AccessToken: bearerToken(req.Header)}
			drainClose(resp.Body)
			if ierr := inv.InvalidateToken(ctx, rejected); ierr != nil {
				return nil, &permanentError{ierr}
			}
			r2 := *req
			r2.Header = req.Header.Clone()
			if st.body != nil {
				r2.Body = io.NopCloser(bytes.NewReader(st.body))
			} else if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, &permanentError{err}
				}
				r2.Body = b
			}
			return t.attempt(ctx, st, &r2)
		}
	}
	return resp, err
}

func (t *attemptTransport) attempt(ctx context.Context, st *callState, req *http.Request) (*http.Response, error) {
	cfg := t.cfg
	key := st.client.locationID
	waitStart := time.Now()
	if err := cfg.limiter.Wait(ctx, key); err != nil {
		if ctx.Err() == nil {
			// The limiter refused (the daily budget is spent): nothing was sent, but an operator
			// needs to see it.
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
	tok, err := st.client.token(ctx)
	if err != nil {
		cfg.limiter.Observe(key, Observation{Received: time.Now(), Err: err, NotSent: true})
		return nil, &permanentError{err}
	}
	if tok != nil && tok.AccessToken != "" {
		st.tokens = append(st.tokens, tok.AccessToken)
		req.Header["Authorization"] = st.client.authHeader(tok.AccessToken)
	}
	resp, err := t.next.RoundTrip(req)
	end := time.Now()
	st.lastEnd = end
	info := AttemptInfo{Method: st.method, Route: st.route, LocationID: key, Attempt: st.attempts, Duration: end.Sub(start), Err: err}
	obs := Observation{Sent: start, Received: end, Err: err}
	if resp != nil {
		obs.StatusCode = resp.StatusCode
		obs.RateLimit = parseRateLimit(resp.Header)
		obs.RetryAfter = parseRetryAfter(resp.Header, end)
		info.StatusCode = resp.StatusCode
		info.RateLimit = obs.RateLimit
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

func bearerToken(h http.Header) string {
	v := h.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return v[7:]
	}
	return ""
}

func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// TransportError reports a request that got no HTTP response (connection refused or reset,
// timeout) after the retries it was allowed.
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

func (st *callState) wrapTransportError(ctx context.Context, err error) error {
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
