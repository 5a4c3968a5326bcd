package ghltest

import (
	"net"
	"net/http"
	"time"
)

// Placeholders that the search, tasks, notes, appointments, tags, oauth, rate-limit, fault and
// webhook files replace.

type taskDoc struct{}
type noteDoc struct{}
type appointmentDoc struct{}

func (s *Server) routeSearch(mux *http.ServeMux)       {}
func (s *Server) routeTasks(mux *http.ServeMux)        {}
func (s *Server) routeNotes(mux *http.ServeMux)        {}
func (s *Server) routeAppointments(mux *http.ServeMux) {}
func (s *Server) routeTags(mux *http.ServeMux)         {}
func (s *Server) routeOAuth(mux *http.ServeMux)        {}

func isOAuthTokenPath(p string) bool { return p == "/oauth/token" }

// OAuthConfig configures the OAuth endpoints.
type OAuthConfig struct{}
type oauthState struct{}

func (o *oauthState) init(OAuthConfig) {}

// RateLimitConfig configures the rate limits.
type RateLimitConfig struct{}
type limitState struct{}

func (l *limitState) init(RateLimitConfig)                                        {}
func (l *limitState) headersOnly(w http.ResponseWriter, key string)               {}
func (l *limitState) admit(w http.ResponseWriter, key string, now time.Time) bool { return true }

// FaultConfig configures fault injection.
type FaultConfig struct{}
type faultState struct{}

func (f *faultState) init(FaultConfig, int64)                            {}
func (f *faultState) inject(w http.ResponseWriter, r *http.Request) bool { return false }
func (f *faultState) connState(net.Conn, http.ConnState)                 {}

type webhookState struct{}

func (h *webhookState) init()  {}
func (h *webhookState) close() {}

func (s *Server) emitContact(eventType, locationID string, contact map[string]any) {}

// emit delivers a webhook event of eventType for a location (payload without type,
// locationId, timestamp and webhookId, which emit adds).
func (s *Server) emit(locationID, eventType string, payload map[string]any) {}
