// Package ghltest is an in-process fake of the GHL API v2 Contacts API, for tests of code that
// uses the ghl SDK (and for the SDK's own demo). It keeps per-location state in memory,
// answers with GHL's status codes and error bodies, enforces the Version header and bearer
// tokens, and can rate-limit, inject faults, run OAuth and sign and deliver webhooks.
//
//	srv := ghltest.NewServer()
//	defer srv.Close()
//	client, _ := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()),
//		ghl.WithLocationID(srv.LocationID()))
package ghltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Defaults for the location and token that every server starts with.
const (
	DefaultLocationID = "ghltest-location-1"
	DefaultToken      = "ghltest-pit-location-1"
	DefaultCompanyID  = "ghltest-company-1"
	// APIVersion is the Version header value the fake requires on Contacts operations.
	APIVersion = "2021-07-28"
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give ghl.WithBaseURL.
	URL string

	srv   *httptest.Server
	cfg   config
	clock func() time.Time

	mu        sync.Mutex
	locations map[string]*location
	tokens    map[string]*accessToken

	oauth   oauthState
	limits  limitState
	faults  faultState
	hooks   webhookState
	counter requestCounter
	cal     calState // calendars, users, location details, custom fields, tag catalogue
}

// location holds one sub-account's data.
type location struct {
	id       string
	contacts map[string]*contactDoc
	order    []string // contact IDs in creation order
	seq      int
	tasks    map[string][]*taskDoc        // by contact ID
	notes    map[string][]*noteDoc        // by contact ID
	appts    map[string][]*appointmentDoc // by contact ID
	more     locationMore                 // campaigns, workflows, cached search orders
}

type accessToken struct {
	token      string
	locationID string
	companyID  string
	userType   string    // "Location" or "Company"
	expires    time.Time // zero: never
}

// ServerOption configures a Server.
type ServerOption func(*config)

type config struct {
	locations []locationSpec
	clock     func() time.Time
	seed      int64
	rate      RateLimitConfig
	faults    FaultConfig
	oauth     OAuthConfig
	// allowDuplicates mirrors the location setting "Allow Duplicate Contact".
	allowDuplicates bool
}

type locationSpec struct{ id, token string }

// WithLocation adds a location reachable with the fixed token (like a Private Integration
// Token). Without any WithLocation the server has DefaultLocationID with DefaultToken.
func WithLocation(locationID, token string) ServerOption {
	return func(c *config) { c.locations = append(c.locations, locationSpec{locationID, token}) }
}

// WithClock makes the server read time from now (token expiry, timestamps, rate windows).
func WithClock(now func() time.Time) ServerOption {
	return func(c *config) { c.clock = now }
}

// WithSeed makes generated IDs and injected faults repeatable.
func WithSeed(seed int64) ServerOption {
	return func(c *config) { c.seed = seed }
}

// NewServer starts a fake on a loopback port. Close it when done.
func NewServer(opts ...ServerOption) *Server {
	cfg := config{clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.locations) == 0 {
		cfg.locations = []locationSpec{{DefaultLocationID, DefaultToken}}
	}
	s := &Server{
		cfg:       cfg,
		clock:     cfg.clock,
		locations: map[string]*location{},
		tokens:    map[string]*accessToken{},
	}
	for _, l := range cfg.locations {
		s.addLocationLocked(l.id)
		s.tokens[l.token] = &accessToken{token: l.token, locationID: l.id, companyID: DefaultCompanyID, userType: "Location"}
	}
	s.limits.init(cfg.rate)
	s.faults.init(cfg.faults, cfg.seed)
	s.oauth.init(cfg.oauth)
	s.hooks.init()
	mux := http.NewServeMux()
	s.routeContacts(mux)
	s.routeSearch(mux)
	s.routeTasks(mux)
	s.routeNotes(mux)
	s.routeAppointments(mux)
	s.routeTags(mux)
	s.routeOAuth(mux)
	s.routeCalendars(mux)
	s.srv = httptest.NewUnstartedServer(s.withFaults(s.middleware(mux)))
	s.srv.Config.ConnState = s.faults.connState
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down and stops webhook delivery.
func (s *Server) Close() {
	s.hooks.close()
	s.srv.Close()
}

// Token returns the fixed token of the first location.
func (s *Server) Token() string { return s.cfg.locations[0].token }

// LocationID returns the first location's ID.
func (s *Server) LocationID() string { return s.cfg.locations[0].id }

// Client returns an *http.Client that trusts the server (it speaks plain HTTP, so any client
// works; this one is there for symmetry with httptest).
func (s *Server) Client() *http.Client { return s.srv.Client() }

func (s *Server) addLocationLocked(id string) *location {
	if l, ok := s.locations[id]; ok {
		return l
	}
	l := &location{
		id:       id,
		contacts: map[string]*contactDoc{},
		tasks:    map[string][]*taskDoc{},
		notes:    map[string][]*noteDoc{},
		appts:    map[string][]*appointmentDoc{},
	}
	s.locations[id] = l
	return l
}

type ctxKey int

const (
	locKey ctxKey = iota
	tokKey
)

func locFrom(r *http.Request) *location {
	l, _ := r.Context().Value(locKey).(*location)
	return l
}

// middleware applies, in order: counting, fault injection, the Version header check, bearer
// authentication and the rate limit, then routes.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counter.add(r)
		if s.faults.inject(w, r) {
			return
		}
		if isOAuthTokenPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Version") == "" {
			s.limits.headersOnly(w, "")
			writeError(w, http.StatusBadRequest, "version header was not found")
			return
		}
		tok, status, msg := s.authenticate(r)
		if status != 0 {
			s.limits.headersOnly(w, "")
			writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "error": http.StatusText(status)})
			return
		}
		key := tok.locationID
		if key == "" {
			key = tok.companyID
		}
		if !s.limits.admit(w, key, s.clock()) {
			return
		}
		ctx := context.WithValue(r.Context(), tokKey, tok)
		if tok.locationID != "" {
			s.mu.Lock()
			l := s.locations[tok.locationID]
			s.mu.Unlock()
			ctx = context.WithValue(ctx, locKey, l)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate maps the bearer token to its location or company. It returns a status and
// message for GHL's 401 body when the token is missing, unknown or expired.
func (s *Server) authenticate(r *http.Request) (*accessToken, int, string) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return nil, http.StatusUnauthorized, "Invalid JWT"
	}
	s.mu.Lock()
	tok, ok := s.tokens[h[len(prefix):]]
	s.mu.Unlock()
	if !ok {
		return nil, http.StatusUnauthorized, "Invalid token: access token is invalid"
	}
	if !tok.expires.IsZero() && !s.clock().Before(tok.expires) {
		return nil, http.StatusUnauthorized, "Invalid JWT: access token has expired"
	}
	return tok, 0, ""
}

// needLocation rejects tokens without a location (agency tokens) the way GHL does.
func needLocation(w http.ResponseWriter, r *http.Request) *location {
	l := locFrom(r)
	if l == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.", "error": "Unauthorized"})
	}
	return l
}

// checkLocationID answers 403 when a request names another location than its token's.
func checkLocationID(w http.ResponseWriter, l *location, id string) bool {
	if id == "" {
		writeUnprocessable(w, "locationId should not be empty")
		return false
	}
	if id != l.id {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The token does not have access to this location.", "error": "Forbidden"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes GHL's {statusCode, message} body.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

// writeUnprocessable writes GHL's 422 body, whose message is a list.
func writeUnprocessable(w http.ResponseWriter, msgs ...string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"statusCode": 422, "message": msgs, "error": "Unprocessable Entity"})
}

func writeNotFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, what+" not found")
}

// decodeBody decodes a JSON body into v, answering 400 (and returning false) when it is not
// valid JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return false
	}
	return true
}

// newID returns a random 20-character ID like GHL's.
func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) now() string { return s.clock().UTC().Format("2006-01-02T15:04:05.000Z") }

// requestCounter counts requests by "METHOD /path".
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *requestCounter) add(r *http.Request) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method+" "+r.URL.EscapedPath()]++
	c.mu.Unlock()
}

// Requests returns how many requests the server received for method and path (the escaped
// path as sent, e.g. "/contacts/abc").
func (s *Server) Requests(method, path string) int {
	s.counter.mu.Lock()
	defer s.counter.mu.Unlock()
	return s.counter.n[method+" "+path]
}

// WithAllowDuplicates turns on the location setting "Allow Duplicate Contact": creates no
// longer fail on a matching email or phone, and upserts with createNewIfDuplicateAllowed
// create a new contact.
func WithAllowDuplicates() ServerOption {
	return func(c *config) { c.allowDuplicates = true }
}
