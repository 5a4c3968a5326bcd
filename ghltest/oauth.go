package ghltest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The OAuth side of the fake: the code exchange and refresh at POST /oauth/token, agency to
// location tokens at POST /oauth/locationToken, and single-use refresh tokens, so tests can
// check that a client never spends a refresh token twice.

// Defaults of the fake's OAuth app.
const (
	// DefaultClientID is the app's client ID. Like GHL's, it is the app ID, a dash and a
	// suffix: webhook deliveries carry "ghltest" as their appId.
	DefaultClientID     = "ghltest-client-id"
	DefaultClientSecret = "ghltest-client-secret"
	// DefaultVersionID is the app version webhook deliveries name in versionId.
	DefaultVersionID = "ghltest-version-1"
	// DefaultAccessTokenLifetime is GHL's: expires_in 86399.
	DefaultAccessTokenLifetime = 86399 * time.Second
	// DefaultUserID is the user who "installed" the app.
	DefaultUserID = "ghltest-user-1"
	// DefaultScope is the scope of every issued token, and of the fixed tokens of WithLocation:
	// every scope the fake's operations ask for.
	DefaultScope = "contacts.readonly contacts.write oauth.readonly oauth.write " +
		"calendars.readonly calendars/events.readonly calendars/events.write users.readonly " +
		"locations.readonly locations/customFields.readonly locations/customFields.write " +
		"locations/tags.readonly locations/tags.write conversations.readonly conversations.write " +
		"conversations/message.readonly conversations/message.write"
)

// oauthConfig configures the OAuth endpoints.
type oauthConfig struct {
	clientID, clientSecret string
	// accessTokenLifetime is how long an issued access token is accepted.
	accessTokenLifetime time.Duration
	scopes              []string // granted to every token issued; nil: DefaultScope
}

// appID is the part of the client ID before the first dash, as GHL's official SDK reads it.
func (c oauthConfig) appID() string {
	id, _, _ := strings.Cut(c.clientID, "-")
	return id
}

// WithOAuthApp sets the client ID and secret that /oauth/token accepts (default
// DefaultClientID and DefaultClientSecret).
func WithOAuthApp(clientID, clientSecret string) ServerOption {
	return func(c *config) { c.oauth.clientID, c.oauth.clientSecret = clientID, clientSecret }
}

// WithAccessTokenLifetime sets how long issued access tokens last (default
// DefaultAccessTokenLifetime). expires_in reports it in whole seconds, at least 1.
func WithAccessTokenLifetime(d time.Duration) ServerOption {
	return func(c *config) { c.oauth.accessTokenLifetime = d }
}

// WithOAuthScopes sets the scopes the app was granted: every token the OAuth endpoints issue
// carries them (default DefaultScope), and an operation whose scope is missing answers GHL's
// 401 "The token is not authorized for this scope."
func WithOAuthScopes(scopes ...string) ServerOption {
	return func(c *config) { c.oauth.scopes = append([]string{}, scopes...) }
}

// NewToken adds a fixed access token (like a Private Integration Token) for a location, with
// exactly the given scopes, and returns it. The location is created if the server does not
// have it. Use it to test how code copes with a token that lacks a scope.
func (s *Server) NewToken(locationID string, scopes ...string) string {
	t := "ghltest-pit-" + newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocationLocked(locationID)
	s.tokens[t] = &accessToken{token: t, locationID: locationID, companyID: DefaultCompanyID, userType: "Location", scopes: scopeSet(scopes), pit: true}
	return t
}

func scopeSet(scopes []string) map[string]bool {
	m := make(map[string]bool, len(scopes))
	for _, sc := range scopes {
		m[sc] = true
	}
	return m
}

// oauthState is guarded by Server.mu.
type oauthState struct {
	cfg      oauthConfig
	codes    map[string]*grant // authorization code -> grant; deleted when used
	refresh  map[string]*grant // refresh token -> grant; used ones stay, marked
	inactive map[string]bool   // location IDs that are paused or cancelled
	issued   []string          // access tokens issued here, for ExpireAccessTokens

	refreshes int // successful refresh_token grants
	reuses    int // refresh tokens presented again after use
	mints     int // location tokens minted
}

// grant is what a code or refresh token stands for.
type grant struct {
	locationID string // the install's location ("" for an agency-only grant)
	companyID  string
	userType   string // for refresh tokens: the type of token it renews
	used       bool
}

func (o *oauthState) init(cfg oauthConfig) {
	if cfg.clientID == "" {
		cfg.clientID = DefaultClientID
	}
	if cfg.clientSecret == "" {
		cfg.clientSecret = DefaultClientSecret
	}
	if cfg.accessTokenLifetime <= 0 {
		cfg.accessTokenLifetime = DefaultAccessTokenLifetime
	}
	if cfg.scopes == nil {
		cfg.scopes = strings.Fields(DefaultScope)
	}
	o.cfg = cfg
	o.codes = map[string]*grant{}
	o.refresh = map[string]*grant{}
	o.inactive = map[string]bool{}
}

// AuthorizationCode returns a fresh single-use code, as if a user had approved the app for
// locationID (of company DefaultCompanyID) and been redirected with it. The location is
// created if the server does not have it.
func (s *Server) AuthorizationCode(locationID string) string {
	code := "ghltest-code-" + newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocationLocked(locationID)
	s.oauth.codes[code] = &grant{locationID: locationID, companyID: DefaultCompanyID}
	return code
}

// RefreshCount returns how many refresh_token grants succeeded.
func (s *Server) RefreshCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.refreshes
}

// RefreshTokenReuses returns how many times a refresh token was presented again after it had
// been used. A client that handles GHL's single-use refresh tokens correctly keeps this at 0.
func (s *Server) RefreshTokenReuses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.reuses
}

// LocationTokensMinted returns how many tokens /oauth/locationToken issued.
func (s *Server) LocationTokensMinted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.mints
}

// ExpireAccessTokens makes every access token issued by the OAuth endpoints so far expired,
// so the next request with one gets GHL's 401. Fixed tokens (WithLocation) are not affected.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	for _, t := range s.oauth.issued {
		if tok, ok := s.tokens[t]; ok {
			tok.expires = now
		}
	}
}

// SetLocationActive pauses (false) or resumes (true) a location. While it is paused, refreshes
// of its tokens and location-token mints answer 400 "Location is not active", and its refresh
// tokens stay valid.
func (s *Server) SetLocationActive(locationID string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if active {
		delete(s.oauth.inactive, locationID)
	} else {
		s.oauth.inactive[locationID] = true
	}
}

// RevokeTokens revokes every access and refresh token of a location or company, as an
// uninstall does: requests get 401 and refreshes get invalid_grant (which does not count as a
// reuse).
func (s *Server) RevokeTokens(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rt, g := range s.oauth.refresh {
		if g.locationID == id || (g.locationID == "" && g.companyID == id) {
			delete(s.oauth.refresh, rt)
		}
	}
	kept := s.oauth.issued[:0]
	for _, t := range s.oauth.issued {
		tok, ok := s.tokens[t]
		if ok && (tok.locationID == id || (tok.locationID == "" && tok.companyID == id)) {
			delete(s.tokens, t)
			continue
		}
		if ok {
			kept = append(kept, t)
		}
	}
	s.oauth.issued = kept
}

func invalidGrant(what string) (int, map[string]any) {
	return http.StatusBadRequest, map[string]any{
		"statusCode": 400, "message": "Invalid grant: " + what + " is invalid", "error": "invalid_grant"}
}

func locationInactive() (int, map[string]any) {
	return http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Location is not active"}
}

func badRequest(msg string) (int, map[string]any) {
	return http.StatusBadRequest, map[string]any{"statusCode": 400, "message": msg}
}

// oauthToken serves POST /oauth/token: authorization_code and refresh_token grants, with the
// client credentials in the form body.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeUnprocessable(w, "body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid form body")
		return
	}
	for _, p := range [...]string{"client_id", "client_secret", "grant_type"} {
		if r.PostForm.Get(p) == "" {
			writeError(w, http.StatusBadRequest, "Missing parameter: "+p)
			return
		}
	}
	status, body := s.tokenGrant(r.PostForm)
	writeJSON(w, status, body)
}

// tokenGrant answers a /oauth/token form.
func (s *Server) tokenGrant(form url.Values) (int, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.oauth
	if form.Get("client_id") != o.cfg.clientID || form.Get("client_secret") != o.cfg.clientSecret {
		return http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "Invalid client: client credentials are invalid", "error": "Unauthorized"}
	}
	userType := form.Get("user_type")
	if userType != "" && userType != "Location" && userType != "Company" {
		return badRequest("Invalid parameter: user_type")
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		code := form.Get("code")
		g, ok := o.codes[code]
		if !ok {
			return invalidGrant("authorization code")
		}
		delete(o.codes, code) // single-use, even when the exchange fails below
		if userType == "" {
			userType = "Location"
		}
		if userType == "Location" && o.inactive[g.locationID] {
			return locationInactive()
		}
		return http.StatusOK, s.issueLocked(g, userType)
	case "refresh_token":
		g, ok := o.refresh[form.Get("refresh_token")]
		switch {
		case !ok:
			return invalidGrant("refresh token")
		case g.used:
			o.reuses++
			return invalidGrant("refresh token")
		case userType != "" && userType != g.userType:
			return badRequest("Invalid parameter: user_type")
		case g.userType == "Location" && o.inactive[g.locationID]:
			return locationInactive() // the refresh token stays valid
		}
		g.used = true
		o.refreshes++
		return http.StatusOK, s.issueLocked(g, g.userType)
	}
	return badRequest("Invalid parameter: grant_type")
}

// oauthLocationToken serves POST /oauth/locationToken: an agency token mints a location
// token. The middleware has checked Version and the bearer token.
func (s *Server) oauthLocationToken(w http.ResponseWriter, r *http.Request) {
	tok, _ := r.Context().Value(tokKey).(*accessToken)
	if tok == nil || tok.userType != "Company" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.", "error": "Unauthorized"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid form body")
		return
	}
	var missing []string
	for _, p := range [...]string{"companyId", "locationId"} {
		if r.PostForm.Get(p) == "" {
			missing = append(missing, p+" should not be empty")
		}
	}
	if len(missing) > 0 {
		writeUnprocessable(w, missing...)
		return
	}
	companyID, locationID := r.PostForm.Get("companyId"), r.PostForm.Get("locationId")
	if companyID != tok.companyID {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The token does not have access to this company.", "error": "Forbidden"})
		return
	}
	status, body := s.mintLocationToken(companyID, locationID)
	writeJSON(w, status, body)
}

func (s *Server) mintLocationToken(companyID, locationID string) (int, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.locations[locationID]; !ok {
		return badRequest("Location not found")
	}
	if s.oauth.inactive[locationID] {
		return locationInactive()
	}
	s.oauth.mints++
	// GHL has been seen answering 201 here, and its v3 answer carries a refresh token.
	return http.StatusCreated, s.issueLocked(&grant{locationID: locationID, companyID: companyID}, "Location")
}

// issueLocked issues an access token and a refresh token for g and returns GHL's token
// response.
func (s *Server) issueLocked(g *grant, userType string) map[string]any {
	o := &s.oauth
	at := "ghltest-at-" + newID()
	t := &accessToken{token: at, companyID: g.companyID, userType: userType, expires: s.clock().Add(o.cfg.accessTokenLifetime),
		scopes: scopeSet(o.cfg.scopes)}
	if userType == "Location" {
		t.locationID = g.locationID
	}
	s.tokens[at] = t
	o.issued = append(o.issued, at)
	secs := int(o.cfg.accessTokenLifetime / time.Second)
	if secs < 1 {
		secs = 1
	}
	body := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   secs,
		"scope":        strings.Join(o.cfg.scopes, " "),
		"userType":     userType,
		"companyId":    g.companyID,
		"userId":       DefaultUserID,
	}
	if userType == "Location" {
		body["locationId"] = g.locationID
		body["isBulkInstallation"] = false
	} else {
		approved := []string{}
		if g.locationID != "" {
			approved = append(approved, g.locationID)
		}
		body["approvedLocations"] = approved
		body["installToFutureLocations"] = false
		body["approveAllLocations"] = false
	}
	rt := "ghltest-rt-" + newID()
	o.refresh[rt] = &grant{locationID: g.locationID, companyID: g.companyID, userType: userType}
	body["refresh_token"] = rt
	return body
}
