// Package ghltest is an in-process fake of the GHL API v2 (Contacts, Calendars, Users,
// Locations and Conversations), for tests of code that uses the ghl SDK, for the SDK's own
// demo, and (through cmd/ghltest) for services written in any language. It keeps per-location state in memory and is as strict as GHL, never kinder:
// its status codes and error bodies, the Version header of each operation, bearer tokens and
// their scopes, rate limits, phone numbers in E.164, single-use refresh tokens and webhook
// delivery that retries only on 429. FIDELITY.md lists each behaviour with GHL's documented
// or observed behaviour and its source, and the test that shows the fake doing it.
//
//	srv := ghltest.New(t)            // closed when the test ends
//	client, err := ghlclient.New(srv) // a *ghl.Client for its location (package ghltest/ghlclient)
package ghltest

import (
	"crypto/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults for the location and token that every server starts with.
const (
	DefaultLocationID = "ghltest-location-1"
	DefaultToken      = "ghltest-pit-location-1"
	DefaultCompanyID  = "ghltest-company-1"
	// DefaultCountry is the country of the fake's locations, by which phone numbers written
	// without a country code are read.
	DefaultCountry = "US"
	// APIVersion is the Version header value the fake requires on Contacts operations.
	APIVersion = "2021-07-28"
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give ghl.WithBaseURL.
	URL string

	srv     *httptest.Server
	cfg     config
	primary locationSpec // the first location with a token
	clock   func() time.Time
	router  *router
	admin   http.Handler

	mu        sync.Mutex
	locations map[string]*location
	tokens    map[string]*accessToken

	oauth  oauthState
	limits limitState
	faults faultState
	hooks  webhookState
	stats  requestStats
	cal    calState // calendars, users, location details, custom fields, tag catalogue
	conv   convState
}

// location holds one sub-account's data.
type location struct {
	id        string
	country   string // ISO 3166-1 alpha-2, as GHL's location settings hold it
	contacts  map[string]*contactDoc
	order     []string // contact IDs in creation order
	seq       int
	tasks     map[string][]*taskDoc        // by contact ID
	notes     map[string][]*noteDoc        // by contact ID
	appts     map[string][]*appointmentDoc // by contact ID
	campaigns map[string]map[string]bool   // contact ID -> campaign IDs
	workflows map[string]map[string]string // contact ID -> workflow ID -> eventStartTime
	views     viewCache                    // cached search orders
	lastSeed  int64                        // dateAdded (epoch ms) of the last seeded contact
}

type accessToken struct {
	token      string
	locationID string
	companyID  string
	userType   string    // "Location" or "Company"
	expires    time.Time // zero: never
	scopes     map[string]bool
	// pit marks a Private Integration Token (WithLocation, NewToken); the others come from
	// the OAuth endpoints, issued to the fake's marketplace app.
	pit bool
}

// ServerOption configures a Server.
type ServerOption func(*config)

type config struct {
	locations []locationSpec
	clock     func() time.Time
	seed      int64
	rate      RateLimitConfig
	faults    FaultConfig
	oauth     oauthConfig
	hooks     webhookConfig
	listener  net.Listener
	// allowDuplicates mirrors the location setting "Allow Duplicate Contact".
	allowDuplicates bool
	conv            convConfig
}

type locationSpec struct{ id, token, country string }

// WithLocation adds a location reachable with the fixed token (like a Private Integration
// Token with every Contacts scope). Without any WithLocation the server has
// DefaultLocationID with DefaultToken. Its country is DefaultCountry unless
// WithLocationCountry says otherwise.
func WithLocation(locationID, token string) ServerOption {
	return func(c *config) {
		for i := range c.locations {
			if c.locations[i].id == locationID && c.locations[i].token == "" {
				c.locations[i].token = token
				return
			}
		}
		c.locations = append(c.locations, locationSpec{locationID, token, ""})
	}
}

// WithLocationCountry sets the country of a location (an ISO 3166-1 alpha-2 code such as
// "GB"), by which its phone numbers written without a country code are read.
func WithLocationCountry(locationID, country string) ServerOption {
	return func(c *config) {
		for i := range c.locations {
			if c.locations[i].id == locationID {
				c.locations[i].country = country
				return
			}
		}
		c.locations = append(c.locations, locationSpec{id: locationID, country: country})
	}
}

// WithClock makes the server read time from now (token expiry, timestamps, rate windows).
func WithClock(now func() time.Time) ServerOption {
	return func(c *config) { c.clock = now }
}

// WithSeed makes injected faults repeatable: each request's fault is drawn from the seed, its
// operation and its place among that operation's requests.
func WithSeed(seed int64) ServerOption {
	return func(c *config) { c.seed = seed }
}

// WithAllowDuplicates turns on the location setting "Allow Duplicate Contact": creates no
// longer fail on a matching email or phone, and upserts with createNewIfDuplicateAllowed
// create a new contact.
func WithAllowDuplicates() ServerOption {
	return func(c *config) { c.allowDuplicates = true }
}

// WithListener makes the server accept connections on l (for example one listening on a
// fixed port) instead of a new loopback port. The server closes l when it closes.
func WithListener(l net.Listener) ServerOption {
	return func(c *config) { c.listener = l }
}

// NewServer starts a fake on a loopback port (or WithListener's). Close it when done, or use
// New in a test.
func NewServer(opts ...ServerOption) *Server {
	cfg := config{clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	primary := slices.IndexFunc(cfg.locations, func(l locationSpec) bool { return l.token != "" })
	if primary < 0 {
		cfg.locations = append([]locationSpec{{DefaultLocationID, DefaultToken, ""}}, cfg.locations...)
		primary = 0
	}
	s := &Server{
		primary:   cfg.locations[primary],
		cfg:       cfg,
		clock:     cfg.clock,
		locations: map[string]*location{},
		tokens:    map[string]*accessToken{},
	}
	for _, l := range cfg.locations {
		loc := s.addLocationLocked(l.id)
		if l.country != "" {
			loc.country = l.country
		}
		if l.token != "" {
			s.tokens[l.token] = &accessToken{token: l.token, locationID: l.id, companyID: DefaultCompanyID,
				userType: "Location", scopes: scopeSet(strings.Fields(DefaultScope)), pit: true}
		}
	}
	s.limits.init(cfg.rate)
	s.faults.init(cfg.faults, cfg.seed)
	s.oauth.init(cfg.oauth)
	s.hooks.init(cfg.hooks, s.oauth.cfg)
	s.initConversations()
	s.router = newRouter(s.routeTable())
	s.admin = s.adminHandler()
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if cfg.listener != nil {
		_ = s.srv.Listener.Close()
		s.srv.Listener = cfg.listener
	}
	s.srv.Config.ConnState = s.faults.connState
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// New starts a fake for a test or benchmark and closes it when tb ends.
func New(tb testing.TB, opts ...ServerOption) *Server {
	tb.Helper()
	s := NewServer(opts...)
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down and stops webhook delivery.
func (s *Server) Close() {
	s.hooks.close()
	s.srv.Close()
}

// Token returns the fixed token of the first location given a token.
func (s *Server) Token() string { return s.primary.token }

// LocationID returns the ID of the first location given a token.
func (s *Server) LocationID() string { return s.primary.id }

// Client returns an *http.Client for the server (it speaks plain HTTP, so any client works;
// ghlclient.New returns a *ghl.Client).
func (s *Server) Client() *http.Client { return s.srv.Client() }

func (s *Server) addLocationLocked(id string) *location {
	if l, ok := s.locations[id]; ok {
		return l
	}
	l := &location{
		id:       id,
		country:  DefaultCountry,
		contacts: map[string]*contactDoc{},
		tasks:    map[string][]*taskDoc{},
		notes:    map[string][]*noteDoc{},
		appts:    map[string][]*appointmentDoc{},
	}
	s.locations[id] = l
	return l
}

// newID returns a random 20-character ID of letters and digits, the shape of GHL's IDs.
func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [20]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func (s *Server) now() string { return isoTimestamp(s.clock()) }

// isoTimestamp formats t the way GHL returns dueDate and dateAdded.
func isoTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
