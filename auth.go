package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

const (
	defaultAuthURL = "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"

	defaultRefreshMargin       = 5 * time.Minute
	defaultTokenRequestTimeout = 30 * time.Second

	tokenPath         = "/oauth/token"
	locationTokenPath = "/oauth/locationToken"
)

// Kinds of token requests, as reported in TokenRefreshInfo.Kind and TokenError.Grant.
const (
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
	GrantLocationToken     = "location_token"
)

// UserType is the kind of token a code exchange asks for.
type UserType string

// The token kinds GHL issues.
const (
	UserTypeLocation UserType = "Location" // a sub-account token: calls the Contacts API
	UserTypeCompany  UserType = "Company"  // an agency token: mints location tokens
)

// OAuthConfig describes a marketplace app. Only ClientID and ClientSecret are required.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is the app's redirect URI, sent with the authorization request and the code
	// exchange.
	RedirectURL string
	// Scopes are requested on the authorization page (e.g. "contacts.readonly").
	Scopes []string
	// AuthURL is the authorization page: GHL's marketplace page when empty, or the white-label
	// one, "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation".
	AuthURL string
	// Client is the base of everything the app sends: the token requests use its transport
	// (WithHTTPClient), host (WithBaseURL), logger and observer, and the per-location clients
	// of LocationClients share all of its settings (rate limiter, retries, ...). Its own token,
	// if any, is not used. A client made by NewClient() when nil.
	Client *Client
	// RefreshMargin is how long before expiry a token is renewed (5 minutes when zero; at most
	// half the token's lifetime). Keep it well below the access-token lifetime (a day at GHL).
	RefreshMargin time.Duration
	// RequestTimeout bounds each token renewal, waiting for the store's lock included (30 s
	// when zero). Renewals run detached from the caller's context, so that a caller that gives
	// up cannot abandon a refresh whose new pair must be saved; this timeout is what bounds
	// them.
	RequestTimeout time.Duration
}

// OAuthApp is a configured marketplace app: the install flow (AuthCodeURL, ExchangeAndSave)
// and the per-location clients whose tokens it keeps fresh (LocationClients,
// AgencyLocationClients). Create one per app and share it; it is safe for concurrent use.
//
// (A sub-account's Private Integration Token needs none of this: it is a fixed token for
// WithAccessToken.)
//
// GHL's refresh tokens are single-use: every refresh returns a new pair and the old refresh
// token dies, so a pair that is lost, or a refresh token sent twice, locks the location out
// until the app is installed again. The app therefore renews one key at a time (across
// processes too, when the store implements TokenLocker), saves each new pair before using it,
// keeps a pair it could not save in memory and saves it again before anything else, writes
// back a pair the store has lost, and finishes a renewal even if the caller that started it
// gives up.
//
// The install flow:
//
//	base, err := ghl.NewClient(ghl.WithLogger(logger))
//	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: id, ClientSecret: secret,
//		RedirectURL: "https://example.com/oauth/callback", Scopes: []string{"contacts.readonly"},
//		Client: base})
//	store, err := ghl.NewFileTokenStore("/var/lib/myapp/ghl-tokens")
//
//	// 1. Send the user to GHL to pick a location and approve the app.
//	http.Redirect(w, r, app.AuthCodeURL(state), http.StatusFound)
//
//	// 2. In the redirect handler: exchange the code; the pair is saved before it is returned.
//	tok, err := app.ExchangeAndSave(ctx, store, r.URL.Query().Get("code"), ghl.UserTypeLocation)
//	locationID := ghl.TokenInfoOf(tok).LocationID
//
//	// 3. Any time later, in any process using the store: call the API.
//	clients, err := app.LocationClients(store)
//	client, err := clients.Client(locationID)
type OAuthApp struct {
	conf     oauth2.Config // the authorization page; token requests go through postToken
	base     *Client
	baseURL  string
	hc       *http.Client
	margin   time.Duration
	timeout  time.Duration
	logger   *slog.Logger
	observer Observer
	now      func() time.Time
	seed     maphash.Seed // of tokenID

	// What this process knows of each key's token, and of each minted location token.
	refreshing idleMap[string, *tokenState]
	minted     idleMap[mintKey, *tokenState]
}

// NewOAuthApp checks cfg and returns the app.
func NewOAuthApp(cfg OAuthConfig) (*OAuthApp, error) {
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, &InvalidParamError{Param: "ClientID", Reason: "must not be empty"}
	}
	if strings.TrimSpace(cfg.ClientSecret) == "" {
		return nil, &InvalidParamError{Param: "ClientSecret", Reason: "must not be empty"}
	}
	if cfg.RefreshMargin < 0 {
		return nil, &InvalidParamError{Param: "RefreshMargin", Reason: "must not be negative"}
	}
	if cfg.RequestTimeout < 0 {
		return nil, &InvalidParamError{Param: "RequestTimeout", Reason: "must not be negative"}
	}
	authURL := cfg.AuthURL
	if authURL == "" {
		authURL = defaultAuthURL
	} else if u, err := url.Parse(authURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &InvalidParamError{Param: "AuthURL", Reason: "must be an absolute http(s) URL"}
	}
	base := cfg.Client
	if base == nil {
		var err error
		if base, err = NewClient(); err != nil {
			return nil, err
		}
	}
	a := &OAuthApp{
		conf: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       append([]string(nil), cfg.Scopes...),
			Endpoint:     oauth2.Endpoint{AuthURL: authURL, AuthStyle: oauth2.AuthStyleInParams},
		},
		base:     base,
		baseURL:  base.cfg.baseURL,
		hc:       tokenHTTPClient(base),
		margin:   cfg.RefreshMargin,
		timeout:  cfg.RequestTimeout,
		logger:   base.cfg.logger,
		observer: base.cfg.observer,
		now:      time.Now,
		seed:     maphash.MakeSeed(),
	}
	if a.margin == 0 {
		a.margin = defaultRefreshMargin
	}
	if a.timeout == 0 {
		a.timeout = defaultTokenRequestTimeout
	}
	a.refreshing.busy = (*tokenState).busy
	a.minted.busy = (*tokenState).busy
	return a, nil
}

// tokenHTTPClient returns the client that sends token requests: the base client's transport
// and redirect policy, below its per-attempt layer (rate limiter, API token, observer), which
// is for API calls.
func tokenHTTPClient(c *Client) *http.Client {
	hc := *c.cfg.httpClient
	if at, ok := hc.Transport.(*attemptTransport); ok {
		hc.Transport = at.next
	}
	// Token requests carry the client secret and refresh token: they never follow a redirect
	// to another host.
	hc.CheckRedirect = sameHostRedirect
	return &hc
}

// AuthCodeURL returns the URL of the authorization page that installs the app. state is
// added when not empty; GHL does not document that it is passed back, so check for it
// rather than require it.
func (a *OAuthApp) AuthCodeURL(state string, opts ...oauth2.AuthCodeOption) string {
	return a.conf.AuthCodeURL(state, opts...)
}

// exchange trades an authorization code for a token pair, without saving it.
func (a *OAuthApp) exchange(ctx context.Context, code string, userType UserType) (*oauth2.Token, error) {
	if ctx == nil {
		return nil, errNilContext()
	}
	if err := checkUserType(userType); err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, &InvalidParamError{Param: "code", Reason: "must not be empty"}
	}
	form := url.Values{
		"client_id":     {a.conf.ClientID},
		"client_secret": {a.conf.ClientSecret},
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"user_type":     {string(userType)},
	}
	if a.conf.RedirectURL != "" {
		form.Set("redirect_uri", a.conf.RedirectURL)
	}
	start := time.Now()
	tok, err := a.postToken(ctx, GrantAuthorizationCode, "", tokenPath, form, "", append(a.secrets(), code))
	key := ""
	if tok != nil {
		key = TokenInfoOf(tok).Key()
	}
	a.report(ctx, key, GrantAuthorizationCode, start, err)
	return tok, err
}

// ExchangeAndSave trades the authorization code GHL sent to the redirect URI for a token pair
// and saves it in store under its location ID (or company ID, for a company token) before
// returning it. userType says which token to ask for: UserTypeLocation for a sub-account,
// UserTypeCompany for an agency.
//
// Once the code has been sent, the exchange and the save run to completion even if ctx is
// cancelled (bounded by the app's RequestTimeout), because GHL will not accept the code again.
// The save waits for a renewal of the key in flight (and for the store's lock, with a
// TokenLocker), so an older pair can never overwrite the new one. If the save fails, the error
// is a *TokenSaveError and the pair is not lost: the app keeps it in memory and saves it
// before the key's next token is handed out.
func (a *OAuthApp) ExchangeAndSave(ctx context.Context, store TokenStore, code string, userType UserType) (*oauth2.Token, error) {
	if ctx == nil {
		return nil, errNilContext()
	}
	if store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	dctx, cancel := a.detached(ctx)
	defer cancel()
	tok, err := a.exchange(dctx, code, userType)
	if err != nil {
		return nil, err
	}
	key := TokenInfoOf(tok).Key()
	if key == "" {
		return nil, errors.New("ghl: exchanging the authorization code: the token names no location or company")
	}
	if err := a.install(dctx, store, key, tok); err != nil {
		a.logger.LogAttrs(ctx, slog.LevelError, "ghl: saving the exchanged token failed; it is kept in memory and saved again before use",
			slog.String("key", key), slog.String("error", err.Error()))
		return nil, err
	}
	a.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: app installed", slog.String("key", key),
		slog.String("user_type", string(TokenInfoOf(tok).UserType)))
	return tok, nil
}

func checkUserType(ut UserType) error {
	if ut != UserTypeLocation && ut != UserTypeCompany {
		return &InvalidParamError{Param: "userType", Reason: fmt.Sprintf("must be %q or %q, not %q", UserTypeLocation, UserTypeCompany, string(ut))}
	}
	return nil
}

// errNilContext is returned where a nil context would otherwise panic, possibly in a
// goroutine of the SDK's own.
func errNilContext() error { return &InvalidParamError{Param: "ctx", Reason: "must not be nil"} }

// detached returns a context that keeps ctx's values but not its cancellation, bounded by
// the app's request timeout.
func (a *OAuthApp) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
}

func (a *OAuthApp) secrets(toks ...*oauth2.Token) []string {
	s := []string{a.conf.ClientSecret}
	for _, t := range toks {
		if t != nil {
			s = append(s, t.AccessToken, t.RefreshToken)
		}
	}
	return s
}

// report tells the observer and the log about one token request.
func (a *OAuthApp) report(ctx context.Context, key, kind string, start time.Time, err error) {
	d := time.Since(start)
	a.observer.OnTokenRefresh(ctx, TokenRefreshInfo{Key: key, Kind: kind, Duration: d, Err: err})
	if err != nil {
		a.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: token request failed", slog.String("key", key),
			slog.String("kind", kind), slog.Duration("duration", d), slog.String("error", err.Error()))
		return
	}
	a.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: token obtained", slog.String("key", key),
		slog.String("kind", kind), slog.Duration("duration", d))
}

// postToken is the one client of GHL's token endpoints, for every grant: it sends form and
// decodes GHL's token response, and maps every failure the same way.
func (a *OAuthApp) postToken(ctx context.Context, grant, key, path string, form url.Values, bearer string, secrets []string) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.baseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, newTokenError(grant, key, nil, scrubTransportError(err, secrets))
	}
	req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	req.Header["Accept"] = jsonContentType
	req.Header["User-Agent"] = []string{defaultUserAgent}
	if bearer != "" {
		req.Header["Authorization"] = []string{"Bearer " + bearer}
		req.Header["Version"] = []string{defaultVersion(APIOAuth)}
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		e := newTokenError(grant, key, nil, scrubTransportError(err, secrets))
		e.unanswered = !neverSent(err)
		return nil, e
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		e := newTokenError(grant, key, nil, scrubTransportError(err, secrets))
		e.unanswered = true
		return nil, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newTokenError(grant, key, apiErrorFrom(resp, body, path, secrets), nil)
		// A 5xx may come from a proxy after GHL acted on the request.
		e.unanswered = resp.StatusCode >= 500
		return nil, e
	}
	tok, err := decodeTokenResponse(body, a.now())
	if err != nil {
		e := newTokenError(grant, key, nil, err)
		e.unanswered = true
		return nil, e
	}
	return tok, nil
}

// neverSent reports whether a request failed before any byte of it could reach the server.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// maxTokenLifetime caps expires_in: a value that overflows a time.Duration would make a token
// look expired on arrival and be renewed on every call.
const maxTokenLifetime = 366 * 24 * time.Hour

// decodeTokenResponse reads GHL's token JSON, keeping every field for Token.Extra.
func decodeTokenResponse(body []byte, now time.Time) (*oauth2.Token, error) {
	var raw map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf("decoding token response: not a JSON object (%d bytes)", len(body))
	}
	str := func(k string) string { s, _ := raw[k].(string); return s }
	tok := &oauth2.Token{AccessToken: str("access_token"), TokenType: str("token_type"), RefreshToken: str("refresh_token")}
	if tok.AccessToken == "" {
		return nil, errors.New("decoding token response: no access_token")
	}
	if tok.TokenType == "" {
		tok.TokenType = "Bearer"
	}
	var secs float64
	switch v := raw["expires_in"].(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if secs > 0 { // NaN and negative values mean no expiry is known
		secs = math.Ceil(min(secs, maxTokenLifetime.Seconds()))
		tok.ExpiresIn = int64(secs)
		tok.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok.WithExtra(raw), nil
}

// mergeExtra returns next with the GHL fields of prev that next lacks (a refresh answer may
// omit the location, company or user type; a refresh must keep them).
func mergeExtra(next, prev *oauth2.Token) *oauth2.Token {
	raw := map[string]any{}
	for _, k := range tokenExtraKeys {
		if v := prev.Extra(k); v != nil {
			raw[k] = v
		}
	}
	for _, k := range tokenExtraKeys {
		if v := next.Extra(k); v != nil {
			raw[k] = v
		}
	}
	return next.WithExtra(raw)
}

// apiErrorFrom builds the error for a token endpoint's non-2xx answer. The response keeps no
// link to the request, whose body and headers carry credentials.
func apiErrorFrom(resp *http.Response, body []byte, route string, secrets []string) *APIError {
	r2 := *resp
	r2.Request = nil
	r2.Body = http.NoBody
	e := parseAPIError(&r2, body, secrets)
	e.Method, e.Route, e.Attempts = http.MethodPost, route, 1
	return e
}

// scrubTransportError keeps the cause of a failed token request, without a URL and with any
// secret removed.
func scrubTransportError(err error, secrets []string) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return scrubError(err, secrets)
}

// scrubError returns err, or only its redacted text when the text holds a secret: the error
// itself would keep the secret reachable.
func scrubError(err error, secrets []string) error {
	msg := err.Error()
	if clean := string(redactBytes([]byte(msg), secrets)); clean != msg {
		return errors.New(clean)
	}
	return err
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// LocationClients hands out a *Client per location, for a process that serves many
// locations: the one way to call the API with an OAuth app's tokens. Every client shares the
// app's base client (OAuthConfig.Client): its transport, rate limiter, logger, observer and
// retry settings. What it and the app keep for a location is dropped after an hour unused,
// and made again when needed. It is safe for concurrent use.
//
//	clients, err := app.LocationClients(store) // tokens saved by the install flow
//	...
//	c, err := clients.Client(locationID) // per request, or per job
//	contact, _, err := c.Contacts.Get(ctx, contactID)
type LocationClients struct {
	binding
	agency  *agency // nil: the locations' own tokens, from the store
	sources idleMap[string, cachedSource]
}

// cachedSource is a token source LocationClients keeps for a location.
type cachedSource interface {
	idler
	oauth2.TokenSource
}

// LocationClients returns the clients of the locations whose tokens the install flow saved
// in store (ExchangeAndSave with UserTypeLocation). The app refreshes each location's pair
// before it expires and after the API refuses it, and saves the new pair in store before
// using it.
func (a *OAuthApp) LocationClients(store TokenStore) (*LocationClients, error) {
	if store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	return &LocationClients{binding: binding{app: a, store: store}}, nil
}

// AgencyLocationClients returns the clients of an agency's locations. Their tokens are minted
// from the agency (Company) token of companyID that the install flow saved in store
// (ExchangeAndSave with UserTypeCompany), which the app refreshes as needed. Each minted token
// is saved in store under its location ID before it is used, and a new one is minted before
// it expires or after the API refuses it; minting spends nothing, so a location's own refresh
// token is never needed.
func (a *OAuthApp) AgencyLocationClients(store TokenStore, companyID string) (*LocationClients, error) {
	if store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	if err := checkID("companyID", companyID); err != nil {
		return nil, err
	}
	l := &LocationClients{binding: binding{app: a, store: store}}
	l.agency = &agency{binding: l.binding, company: a.tokenSource(store, companyID), companyID: companyID}
	return l, nil
}

// Client returns the client of locationID. It costs one small allocation, so a process can
// get one per request.
func (l *LocationClients) Client(locationID string) (*Client, error) {
	if err := checkID("locationID", locationID); err != nil {
		return nil, err
	}
	src := l.sources.acquire(locationID, l.app.now(), func() cachedSource { return l.source(locationID) })
	src.meta().release()
	return l.app.base.forLocation(locationID, src)
}

func (l *LocationClients) source(locationID string) cachedSource {
	if l.agency == nil {
		return &refreshingSource{binding: &l.binding, key: locationID}
	}
	return &mintingSource{agency: l.agency, locationID: locationID}
}

// Forget drops what the clients and the app hold for locationID, as when the app is
// uninstalled there; delete its token from the store too. A token deleted from the store
// alone is written back by a process that still holds it, because a store that loses a key
// (Redis restarted without persistence) would otherwise lose the only live pair; an
// uninstalled location's pair written back by another replica is refused by GHL at its next
// refresh (ErrReauthorizationRequired) and then stays unused until the app is installed again.
func (l *LocationClients) Forget(locationID string) {
	l.sources.remove(locationID)
	now := l.app.now()
	var st *tokenState
	if l.agency == nil {
		st = l.app.refreshing.acquire(locationID, now, newTokenState)
	} else {
		st = l.app.minted.acquire(mintKey{l.agency.companyID, locationID}, now, newTokenState)
	}
	st.forget()
	st.release()
}

// forLocation returns a client for locationID that shares c's transport, limiter, logger,
// observer and retry settings; ts authenticates it (nil keeps c's token source).
func (c *Client) forLocation(locationID string, ts oauth2.TokenSource) (*Client, error) {
	if err := checkID("locationID", locationID); err != nil {
		return nil, err
	}
	if ts == nil {
		ts = c.tokenSource
	}
	return newClient(c.cfg, locationID, ts), nil
}
