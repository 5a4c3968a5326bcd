package ghl

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// sdkVersion is the version of this SDK; it is sent in the User-Agent header.
const sdkVersion = "0.1.0"

// DefaultBaseURL is GHL's API host.
const DefaultBaseURL = "https://services.leadconnectorhq.com"

const (
	defaultUserAgent = "ghl-go/" + sdkVersion
	// defaultMaxRetries is how many times a retryable request is retried after its first
	// attempt unless WithMaxRetries says otherwise.
	defaultMaxRetries = 3
	// defaultResponseHeaderTimeout is how long an attempt waits for the response headers on the
	// SDK's own transport (no WithHTTPClient, or one without a Transport).
	defaultResponseHeaderTimeout = 60 * time.Second
	// defaultMaxIdleConnsPerHost is how many idle connections the SDK's own transport keeps
	// for GHL's host: as many as a location's burst window (GHL: 100 requests), so workers
	// paced by the rate limiter find their connection again instead of dialling (net/http keeps
	// 2). Idle connections still close after the transport's IdleConnTimeout.
	defaultMaxIdleConnsPerHost = 100
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
	userAgent   string
	maxRetries  int
	retryPolicy RetryPolicy

	httpClient *http.Client // the caller's, used as the transport below our attempt layer
	retry      *retryablehttp.Client
	limiter    Limiter
	logger     *slog.Logger
	observer   Observer

	// Header values shared by every request; never written to (a retry clones the header
	// before changing it). versions is the Version table: one value per API.
	versions        [numAPIs][]string
	userAgentHeader []string
}

// NewClient returns a client configured by opts. A client without WithAccessToken or
// WithTokenSource is a valid base for an OAuthApp (OAuthConfig.Client), but its own calls fail
// with ErrNoCredentials before anything is sent.
//
// Without WithHTTPClient (or with a client that has no Transport) requests go through a clone
// of http.DefaultTransport that waits at most a minute for a response's headers and keeps up
// to 100 idle connections to GHL, so concurrent workers reuse theirs.
func NewClient(opts ...Option) (*Client, error) {
	o := options{
		baseURL:     DefaultBaseURL,
		maxRetries:  defaultMaxRetries,
		retryPolicy: DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt.applyClient(&o); err != nil {
			return nil, err
		}
	}
	cfg := &config{
		baseURL:     o.baseURL,
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
	cfg.versions = versionTable(o.apiVersion, o.apiVersions)
	cfg.userAgentHeader = []string{cfg.userAgent}
	if cfg.logger == nil {
		cfg.logger = slog.New(discardHandler{})
	}
	if cfg.observer == nil {
		cfg.observer = NopObserver{}
	}
	if cfg.limiter == nil {
		cfg.limiter = newWindowLimiter(defaultLimiterConfig())
	}
	var base http.Client
	if o.httpClient != nil {
		base = *o.httpClient
	}
	inner := base.Transport
	if inner == nil {
		inner = defaultTransport()
	}
	base.Transport = &attemptTransport{cfg: cfg, next: inner}
	base.CheckRedirect = sameHostRedirect
	cfg.httpClient = &base
	cfg.retry = newRetryClient(cfg)
	return newClient(cfg, o.locationID, o.tokenSource), nil
}

// defaultTransport is the transport of a client given no http.Client (or one without a
// Transport). It bounds the wait for a response's headers per attempt, so a server that
// accepts a request and never answers costs one retry instead of hanging until ctx ends (it
// cannot be http.Client.Timeout: that would also cut short the limiter's wait inside the round
// trip and the reading of a large page), and it keeps enough idle connections for the calls in
// flight.
func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport // replaced by the program: use it as it is
	}
	t = t.Clone()
	t.ResponseHeaderTimeout = defaultResponseHeaderTimeout
	t.MaxIdleConnsPerHost = defaultMaxIdleConnsPerHost
	if t.MaxIdleConns != 0 && t.MaxIdleConns < defaultMaxIdleConnsPerHost {
		t.MaxIdleConns = defaultMaxIdleConnsPerHost
	}
	return t
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

// Response wraps the HTTP response of a call. Its body has already been read and closed. The
// Response returned with an error is a copy that is safe to keep and log, like
// APIError.Response; that of a successful call is net/http's own, whose Request still carries
// the Authorization header.
type Response struct {
	*http.Response
	// RateLimit is what the X-RateLimit-* headers said about the remaining budget.
	RateLimit RateLimit
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
	// API picks the Version header from the client's Version table. Zero means the API that
	// the first segment of Path names ("/calendars/..." is APICalendars), and for a path
	// that names none, the version most of GHL's other APIs take (2021-07-28).
	API API
}

// Do sends req through the same pipeline as the typed methods (token, rate limit, retries,
// typed errors, monitoring) and decodes a 2xx JSON body into out, if out is non-nil; an empty
// body leaves out as it is. It is the way to reach endpoints this SDK has no method for yet
// (Conversations, Calendars, Users and Locations have typed services). The Version header is
// the one the client's Version table gives the API that req.Path names, or req.API: no
// WithAPIVersion is needed for an API whose version differs from the Contacts API's.
func (c *Client) Do(ctx context.Context, req *RawRequest, out any) (*Response, error) {
	switch {
	case req == nil:
		return nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case req.Method == "" || strings.ContainsAny(req.Method, " \t\r\n/"):
		return nil, &InvalidParamError{Param: "req.Method", Reason: fmt.Sprintf("%q is not an HTTP method", req.Method)}
	case !strings.HasPrefix(req.Path, "/") || strings.ContainsAny(req.Path, "?#\r\n"):
		return nil, &InvalidParamError{Param: "req.Path", Reason: "must start with / and carry no query or fragment (use Query)"}
	case req.API >= numAPIs:
		return nil, &InvalidParamError{Param: "req.API", Reason: fmt.Sprintf("unknown API %d", req.API)}
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
	return c.do(ctx, &request{method: req.Method, path: req.Path, route: route, query: req.Query, body: req.Body,
		idempotent: req.Idempotent, family: req.API}, out)
}

// API names one of GHL's API families. Each sends the Version header its OpenAPI file
// declares, from one table, so that following GHL to a new version (the named "v3") is a
// change of that table, or of WithAPIVersion and WithAPIVersionFor until the SDK follows:
//
//	APIContacts       2021-07-28  /contacts/... (tasks, notes, tags, appointments of a contact)
//	APIConversations  2021-04-15  /conversations/...
//	APICalendars      2021-04-15  /calendars/...
//	APIUsers          2021-07-28  /users/...
//	APILocations      2021-07-28  /locations/... (custom fields, tags of a location)
//	APIOAuth          2021-07-28  /oauth/... (locationToken, installedLocations)
type API uint8

// The API families, for WithAPIVersionFor and RawRequest.API.
const (
	apiUnset API = iota // a request that names no API: the one its path names
	APIContacts
	APIConversations
	APICalendars
	APIUsers
	APILocations
	APIOAuth
	numAPIs
)

// Version header values, from GHL's OpenAPI files.
const (
	version20210728 = "2021-07-28"
	version20210415 = "2021-04-15"
)

// defaultVersion returns api's Version header; apiUnset stands for a path that names no API
// this SDK knows, which gets the version most of GHL's APIs declare.
func defaultVersion(api API) string {
	switch api {
	case APIConversations, APICalendars:
		return version20210415
	default:
		return version20210728
	}
}

// versionTable builds the Version header of every API: the default, replaced by all (from
// WithAPIVersion) if set, replaced by one's own override (WithAPIVersionFor) if set.
func versionTable(all string, one [numAPIs]string) [numAPIs][]string {
	var t [numAPIs][]string
	for api := range numAPIs {
		v := defaultVersion(api)
		if all != "" {
			v = all
		}
		if one[api] != "" {
			v = one[api]
		}
		t[api] = []string{v}
	}
	return t
}

// apiOf returns the API a request belongs to: the one it names, or else the one the first
// segment of its path names (apiUnset when none).
func apiOf(api API, path string) API {
	if api != apiUnset {
		return api
	}
	seg := path
	if len(seg) > 0 && seg[0] == '/' {
		seg = seg[1:]
	}
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	switch seg {
	case "contacts":
		return APIContacts
	case "conversations":
		return APIConversations
	case "calendars":
		return APICalendars
	case "users":
		return APIUsers
	case "locations":
		return APILocations
	case "oauth":
		return APIOAuth
	}
	return apiUnset
}
