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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenStore persists OAuth tokens by key (a location or company ID). Because GHL refresh
// tokens are single-use, a store must save the rotated pair durably before Save returns: the
// old refresh token is already dead. A store must keep the token's GHL fields (userType,
// locationId, companyId, ...) that Token.Extra returns; MarshalToken does that for stores that
// keep bytes.
type TokenStore interface {
	// Load returns the token saved under key, or an error matching ErrTokenNotFound.
	Load(ctx context.Context, key string) (*oauth2.Token, error)
	// Save replaces the token saved under key.
	Save(ctx context.Context, key string, tok *oauth2.Token) error
}

// ErrTokenNotFound is returned (or matched) by TokenStore.Load when no token is saved under the key.
var ErrTokenNotFound = errors.New("ghl: no token saved for this key")

// TokenLocker is implemented by a TokenStore shared by several processes, so that only one of
// them refreshes a key's token at a time. Lock waits until the lock for key is free or ctx is
// done, and returns the function that releases it. A lock must expire on its own if its holder
// dies, and unlock must not release a lock that has since passed to someone else.
type TokenLocker interface {
	Lock(ctx context.Context, key string) (unlock func(context.Context) error, err error)
}

// ErrLocationInactive is matched by *LocationInactiveError.
var ErrLocationInactive = errors.New("ghl: location is not active")

// OAuth endpoints.
const (
	// DefaultAuthURL is the page where a user picks a location and approves the app.
	DefaultAuthURL = "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
	// WhiteLabelAuthURL is the same page on GHL's white-label host.
	WhiteLabelAuthURL = "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation"

	// DefaultRefreshMargin is how long before its expiry an access token is refreshed.
	DefaultRefreshMargin = 5 * time.Minute
	// DefaultTokenRequestTimeout bounds one token request (refresh, exchange or mint).
	DefaultTokenRequestTimeout = 30 * time.Second

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

// OAuthEndpoint returns GHL's endpoint for golang.org/x/oauth2: authURL ("" for
// DefaultAuthURL, or WhiteLabelAuthURL) and the token endpoint on baseURL ("" for
// DefaultBaseURL). GHL takes the client credentials in the form body.
func OAuthEndpoint(authURL, baseURL string) oauth2.Endpoint {
	if authURL == "" {
		authURL = DefaultAuthURL
	}
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return oauth2.Endpoint{
		AuthURL:   authURL,
		TokenURL:  strings.TrimRight(baseURL, "/") + tokenPath,
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// OAuthConfig describes a marketplace app. Only ClientID and ClientSecret are required.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is the app's redirect URI, sent with the authorization request and the code
	// exchange.
	RedirectURL string
	// Scopes are requested on the authorization page (e.g. "contacts.readonly").
	Scopes []string
	// AuthURL is the authorization page: DefaultAuthURL when empty, or WhiteLabelAuthURL.
	AuthURL string
	// BaseURL is the API host serving /oauth/token and /oauth/locationToken (DefaultBaseURL
	// when empty). Point it at a ghltest server in tests.
	BaseURL string
	// HTTPClient sends the token requests (a client over http.DefaultTransport when nil). It
	// is copied; redirects to another host are refused so credentials stay with GHL.
	HTTPClient *http.Client
	// RefreshMargin is how long before expiry a token is renewed (DefaultRefreshMargin when
	// zero). Keep it well below the access-token lifetime (about a day at GHL).
	RefreshMargin time.Duration
	// RequestTimeout bounds each token request (DefaultTokenRequestTimeout when zero). Token
	// requests run detached from the caller's context, so that a caller that gives up cannot
	// abandon a refresh whose new pair must be saved; this timeout is what bounds them.
	RequestTimeout time.Duration
	// Logger receives the app's logs (nothing is logged when nil). No token or secret is
	// ever logged.
	Logger *slog.Logger
	// Observer is told of every refresh, code exchange and location-token mint.
	Observer Observer
}

// OAuthApp is a configured marketplace app: the install flow (AuthCodeURL, ExchangeAndSave)
// and the token sources that keep its tokens fresh. Create one per app and share it; it is
// safe for concurrent use.
//
// (A sub-account's Private Integration Token needs none of this: it is a fixed token for
// WithAccessToken.)
//
// GHL's refresh tokens are single-use: every refresh returns a new pair and the old refresh
// token dies, so a pair that is lost, or a refresh token sent twice, locks the location out
// until the app is installed again. The app's token sources therefore refresh one key at a
// time, save each new pair before using it, and finish a refresh even if the caller that
// started it gives up.
//
// The install flow:
//
//	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: id, ClientSecret: secret,
//		RedirectURL: "https://example.com/oauth/callback", Scopes: []string{"contacts.readonly"}})
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
//	client, err := ghl.NewClient(ghl.WithLocationID(locationID),
//		ghl.WithTokenSource(app.TokenSource(store, locationID)))
type OAuthApp struct {
	conf     oauth2.Config
	baseURL  string
	hc       *http.Client
	margin   time.Duration
	timeout  time.Duration
	logger   *slog.Logger
	observer Observer
	now      func() time.Time

	mu   sync.Mutex
	keys map[string]*keyState
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
	var o options
	baseURL := DefaultBaseURL
	if cfg.BaseURL != "" {
		if err := WithBaseURL(cfg.BaseURL).applyClient(&o); err != nil {
			return nil, err
		}
		baseURL = o.baseURL
	}
	authURL := cfg.AuthURL
	if authURL != "" {
		u, err := url.Parse(authURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &InvalidParamError{Param: "AuthURL", Reason: "must be an absolute http(s) URL"}
		}
	}
	a := &OAuthApp{
		conf: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       append([]string(nil), cfg.Scopes...),
			Endpoint:     OAuthEndpoint(authURL, baseURL),
		},
		baseURL:  baseURL,
		margin:   cfg.RefreshMargin,
		timeout:  cfg.RequestTimeout,
		logger:   cfg.Logger,
		observer: cfg.Observer,
		now:      time.Now,
		keys:     map[string]*keyState{},
	}
	if a.margin == 0 {
		a.margin = DefaultRefreshMargin
	}
	if a.timeout == 0 {
		a.timeout = DefaultTokenRequestTimeout
	}
	if a.logger == nil {
		a.logger = slog.New(discardHandler{})
	}
	if a.observer == nil {
		a.observer = NopObserver{}
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = sameHostRedirect
	a.hc = &hc
	return a, nil
}

// Config returns a copy of the app's golang.org/x/oauth2 configuration.
func (a *OAuthApp) Config() *oauth2.Config {
	c := a.conf
	c.Scopes = append([]string(nil), a.conf.Scopes...)
	return &c
}

// AuthCodeURL returns the URL of the authorization page that installs the app. state is
// added when not empty; GHL does not document that it is passed back, so check for it
// rather than require it.
func (a *OAuthApp) AuthCodeURL(state string, opts ...oauth2.AuthCodeOption) string {
	return a.conf.AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for a token pair. userType says which token to ask
// for: UserTypeLocation for a sub-account, UserTypeCompany for an agency. The pair is not
// saved: prefer ExchangeAndSave, so the refresh token cannot be lost.
func (a *OAuthApp) Exchange(ctx context.Context, code string, userType UserType) (*oauth2.Token, error) {
	if err := checkUserType(userType); err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, &InvalidParamError{Param: "code", Reason: "must not be empty"}
	}
	start := time.Now()
	ctx2 := context.WithValue(ctx, oauth2.HTTPClient, a.hc)
	tok, err := a.conf.Exchange(ctx2, code, oauth2.SetAuthURLParam("user_type", string(userType)))
	if err != nil {
		err = a.exchangeError(err, code)
	}
	key := ""
	if tok != nil {
		key = TokenInfoOf(tok).Key()
	}
	a.report(ctx, key, GrantAuthorizationCode, start, err)
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// ExchangeAndSave exchanges code (as Exchange does) and saves the pair in store under its
// location ID (or company ID, for a company token) before returning it. Once the code has
// been sent the exchange and the save run to completion even if ctx is cancelled (bounded by
// the app's RequestTimeout), because GHL will not accept the code again.
func (a *OAuthApp) ExchangeAndSave(ctx context.Context, store TokenStore, code string, userType UserType) (*oauth2.Token, error) {
	if store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	dctx, cancel := a.detached(ctx)
	defer cancel()
	tok, err := a.Exchange(dctx, code, userType)
	if err != nil {
		return nil, err
	}
	key := TokenInfoOf(tok).Key()
	if key == "" {
		return nil, errors.New("ghl: exchanging the authorization code: the token names no location or company")
	}
	if err := store.Save(dctx, key, tok); err != nil {
		serr := newTokenSaveError(key, err, a.secrets(tok))
		a.logger.LogAttrs(ctx, slog.LevelError, "ghl: saving exchanged token failed",
			slog.String("key", key), slog.String("error", serr.Error()))
		return nil, serr
	}
	// A fresh install replaces whatever this process remembered about the key; the next call
	// reads the new pair from the store.
	st := a.state(key)
	st.mu.Lock()
	st.tok, st.pending, st.rejected, st.dead, st.spent = nil, nil, "", "", ""
	st.mu.Unlock()
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

func (a *OAuthApp) exchangeError(err error, code string) error {
	secrets := append(a.secrets(), code)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return newTokenError(GrantAuthorizationCode, "", apiErrorFrom(re.Response, re.Body, tokenPath, secrets), nil)
	}
	return newTokenError(GrantAuthorizationCode, "", nil, scrubTransportError(err, secrets))
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

// TokenInfo holds the GHL fields of a token response.
type TokenInfo struct {
	UserType   UserType
	LocationID string // only on location (sub-account) tokens
	CompanyID  string
	UserID     string // the user who installed the app
	Scope      string // space-separated
	PlanID     string
	// ApprovedLocations are the locations a company token may mint location tokens for.
	ApprovedLocations        []string
	IsBulkInstallation       bool
	InstallToFutureLocations bool
	ApproveAllLocations      bool
	AppID                    string // on minted location tokens
	VersionID                string
}

// TokenInfoOf reads the GHL fields of tok (from a token response or a TokenStore).
func TokenInfoOf(tok *oauth2.Token) TokenInfo {
	if tok == nil {
		return TokenInfo{}
	}
	str := func(k string) string { s, _ := tok.Extra(k).(string); return s }
	flag := func(k string) bool {
		switch v := tok.Extra(k).(type) {
		case bool:
			return v
		case string:
			b, _ := strconv.ParseBool(v)
			return b
		}
		return false
	}
	info := TokenInfo{
		UserType:                 UserType(str("userType")),
		LocationID:               str("locationId"),
		CompanyID:                str("companyId"),
		UserID:                   str("userId"),
		Scope:                    str("scope"),
		PlanID:                   str("planId"),
		IsBulkInstallation:       flag("isBulkInstallation"),
		InstallToFutureLocations: flag("installToFutureLocations"),
		ApproveAllLocations:      flag("approveAllLocations"),
		AppID:                    str("appId"),
		VersionID:                str("versionId"),
	}
	switch v := tok.Extra("approvedLocations").(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				info.ApprovedLocations = append(info.ApprovedLocations, s)
			}
		}
	case []string:
		info.ApprovedLocations = append([]string(nil), v...)
	}
	return info
}

// Key returns the TokenStore key of the token: its location ID, or its company ID for a
// company token.
func (i TokenInfo) Key() string {
	if i.LocationID != "" {
		return i.LocationID
	}
	return i.CompanyID
}

// Scopes returns the granted scopes.
func (i TokenInfo) Scopes() []string { return strings.Fields(i.Scope) }

// tokenExtraKeys are the GHL fields a stored token keeps: a refresh sends userType back, and
// callers read the IDs.
var tokenExtraKeys = [...]string{
	"userType", "locationId", "companyId", "userId", "scope", "planId", "approvedLocations",
	"isBulkInstallation", "installToFutureLocations", "approveAllLocations", "appId", "versionId",
}

// storedToken is the JSON form of a token in MarshalToken and the file store.
type storedToken struct {
	AccessToken  string                     `json:"access_token"`
	TokenType    string                     `json:"token_type,omitempty"`
	RefreshToken string                     `json:"refresh_token,omitempty"`
	Expiry       time.Time                  `json:"expiry,omitempty"`
	Extra        map[string]json.RawMessage `json:"extra,omitempty"`
}

// MarshalToken encodes tok with its GHL fields, for stores that keep bytes. The result
// holds the tokens: keep it where only the application can read it.
func MarshalToken(tok *oauth2.Token) ([]byte, error) {
	if tok == nil {
		return nil, errors.New("ghl: MarshalToken: nil token")
	}
	st := storedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	for _, k := range tokenExtraKeys {
		v := tok.Extra(k)
		if v == nil {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("ghl: MarshalToken: field %s: %w", k, err)
		}
		if st.Extra == nil {
			st.Extra = make(map[string]json.RawMessage, len(tokenExtraKeys))
		}
		st.Extra[k] = raw
	}
	return json.Marshal(st)
}

// UnmarshalToken decodes what MarshalToken encoded.
func UnmarshalToken(data []byte) (*oauth2.Token, error) {
	var st storedToken
	if err := json.Unmarshal(data, &st); err != nil {
		// The JSON error could quote the bytes, which hold tokens: say only what failed.
		return nil, fmt.Errorf("ghl: UnmarshalToken: not a stored token (%d bytes)", len(data))
	}
	tok := &oauth2.Token{AccessToken: st.AccessToken, TokenType: st.TokenType, RefreshToken: st.RefreshToken, Expiry: st.Expiry}
	extra := make(map[string]any, len(st.Extra))
	for k, raw := range st.Extra {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			extra[k] = v
		}
	}
	return tok.WithExtra(extra), nil
}

// copyToken returns a copy of tok that shares nothing mutable with it.
func copyToken(tok *oauth2.Token) *oauth2.Token {
	if tok == nil {
		return nil
	}
	extra := make(map[string]any, len(tokenExtraKeys))
	for _, k := range tokenExtraKeys {
		if v := tok.Extra(k); v != nil {
			if list, ok := v.([]any); ok {
				v = append([]any(nil), list...)
			} else if list, ok := v.([]string); ok {
				v = append([]string(nil), list...)
			}
			extra[k] = v
		}
	}
	t2 := *tok
	return t2.WithExtra(extra)
}

// MemoryTokenStore keeps tokens in memory: for tests, and for processes that get their
// tokens elsewhere at start. Tokens are lost when the process ends. It is safe for
// concurrent use.
type MemoryTokenStore struct {
	mu   sync.RWMutex
	toks map[string]*oauth2.Token
}

// NewMemoryTokenStore returns an empty store.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{toks: map[string]*oauth2.Token{}}
}

// Load returns a copy of the token saved under key.
func (m *MemoryTokenStore) Load(_ context.Context, key string) (*oauth2.Token, error) {
	m.mu.RLock()
	tok, ok := m.toks[key]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, ErrTokenNotFound)
	}
	return copyToken(tok), nil
}

// Save keeps a copy of tok under key.
func (m *MemoryTokenStore) Save(_ context.Context, key string, tok *oauth2.Token) error {
	if tok == nil {
		return fmt.Errorf("ghl: saving token for %q: nil token", key)
	}
	tok = copyToken(tok)
	m.mu.Lock()
	m.toks[key] = tok
	m.mu.Unlock()
	return nil
}

// Delete forgets the token saved under key, as when the app is uninstalled.
func (m *MemoryTokenStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.toks, key)
	m.mu.Unlock()
	return nil
}

// FileTokenStore keeps one file per key in a directory, readable only by its owner (0600),
// for a single process or several that do not share the directory:
//
//	store, err := ghl.NewFileTokenStore("/var/lib/myapp/ghl-tokens")
//	client, err := ghl.NewClient(ghl.WithLocationID(locationID),
//		ghl.WithTokenSource(app.TokenSource(store, locationID)))
//
// Replicas of a service share a store that implements TokenLocker instead (the redisstore
// module has one).
// Each Save writes a temporary file in the same directory, syncs it and renames it over the
// old one, so a crash leaves either the old pair or the new one, never half of either. It is
// safe for concurrent use within a process; processes sharing the directory must not refresh
// the same key at once (it does not implement TokenLocker).
type FileTokenStore struct {
	dir string
	mu  sync.Mutex // serialises writes, so the last Save of a key wins
}

// NewFileTokenStore returns a store in dir, creating it (mode 0700) if needed.
func NewFileTokenStore(dir string) (*FileTokenStore, error) {
	if dir == "" {
		return nil, &InvalidParamError{Param: "dir", Reason: "must not be empty"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ghl: token store directory: %w", err)
	}
	return &FileTokenStore{dir: dir}, nil
}

// path returns the file of key. Keys are encoded so that none can leave the directory.
func (f *FileTokenStore) path(key string) (string, error) {
	if err := checkID("key", key); err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString(".json")
	return filepath.Join(f.dir, b.String()), nil
}

// Load reads the token saved under key.
func (f *FileTokenStore) Load(_ context.Context, key string) (*oauth2.Token, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, ErrTokenNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, err)
	}
	tok, err := UnmarshalToken(data)
	if err != nil {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, err)
	}
	return tok, nil
}

// Save writes tok under key atomically and durably.
func (f *FileTokenStore) Save(_ context.Context, key string, tok *oauth2.Token) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	data, err := MarshalToken(tok)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := writeFileAtomic(f.dir, p, data); err != nil {
		return fmt.Errorf("ghl: saving token for %q: %w", key, err)
	}
	return nil
}

// Delete removes the token saved under key.
func (f *FileTokenStore) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("ghl: deleting token for %q: %w", key, err)
	}
	return nil
}

func writeFileAtomic(dir, path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, ".token-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// TokenError reports a token request that failed: a refresh, a code exchange or a location
// token mint. It matches ErrReauthorizationRequired when GHL refused the refresh token or
// code (invalid_grant), or when no refresh token is left to use. Its text never holds a token
// or secret.
type TokenError struct {
	Grant string // GrantRefreshToken, GrantAuthorizationCode or GrantLocationToken
	Key   string // the location or company ID, when known
	// API is GHL's answer, when one came; Err is the failure otherwise (transport, decoding).
	API *APIError
	Err error

	reauth bool
}

func newTokenError(grant, key string, api *APIError, err error) *TokenError {
	e := &TokenError{Grant: grant, Key: key, API: api, Err: err}
	if api != nil && grant != GrantLocationToken {
		e.reauth = api.ErrorType == "invalid_grant" || containsFold(api.Message, "invalid grant")
	}
	return e
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *TokenError) Error() string {
	var b strings.Builder
	switch e.Grant {
	case GrantRefreshToken:
		fmt.Fprintf(&b, "ghl: refreshing the token of %q: ", e.Key)
	case GrantLocationToken:
		fmt.Fprintf(&b, "ghl: minting a location token for %q: ", e.Key)
	default:
		b.WriteString("ghl: exchanging the authorization code: ")
	}
	switch {
	case e.API != nil:
		fmt.Fprintf(&b, "%d %s", e.API.StatusCode, http.StatusText(e.API.StatusCode))
		if e.API.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.API.Message)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	if e.reauth {
		b.WriteString(" (the app must be installed again)")
	}
	return b.String()
}

// Is matches ErrReauthorizationRequired when the grant was refused for good.
func (e *TokenError) Is(target error) bool {
	return target == ErrReauthorizationRequired && e.reauth
}

// Unwrap returns the *APIError or the underlying error.
func (e *TokenError) Unwrap() error {
	if e.API != nil {
		return e.API
	}
	return e.Err
}

// LocationInactiveError reports that GHL would not refresh a location's token because the
// location is paused or cancelled. The refresh token is kept: once the location is active
// again it works, so nothing needs reinstalling.
type LocationInactiveError struct {
	Key string
	Err *TokenError
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *LocationInactiveError) Error() string {
	return fmt.Sprintf("ghl: location %q is not active; its refresh token is kept for when it is active again (%v)", e.Key, e.Err)
}

// Is matches ErrLocationInactive.
func (e *LocationInactiveError) Is(target error) bool { return target == ErrLocationInactive }

// Unwrap returns the token endpoint's error.
func (e *LocationInactiveError) Unwrap() error { return e.Err }

// TokenSaveError reports that a refreshed token pair could not be saved. The new pair is
// not used until it is saved: the token source keeps it in memory and saves it again on the
// next call, and never sends the old refresh token again. (Should the process end before a
// save succeeds, the pair is lost with it: make sure the store recovers quickly.)
type TokenSaveError struct {
	Key string
	Err error
	msg string
}

func newTokenSaveError(key string, err error, secrets []string) *TokenSaveError {
	msg := string(redactBytes([]byte(err.Error()), secrets))
	return &TokenSaveError{Key: key, Err: err, msg: fmt.Sprintf("ghl: saving the new token of %q: %s", key, msg)}
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *TokenSaveError) Error() string { return e.msg }

// Unwrap returns the store's error.
func (e *TokenSaveError) Unwrap() error { return e.Err }

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
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
	msg := err.Error()
	if clean := string(redactBytes([]byte(msg), secrets)); clean != msg {
		return errors.New(clean)
	}
	return err
}

// postToken sends a form to a token endpoint and decodes GHL's token response.
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
		return nil, newTokenError(grant, key, nil, scrubTransportError(err, secrets))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return nil, newTokenError(grant, key, nil, scrubTransportError(err, secrets))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newTokenError(grant, key, apiErrorFrom(resp, body, path, secrets), nil)
	}
	tok, err := decodeTokenResponse(body, a.now())
	if err != nil {
		return nil, newTokenError(grant, key, nil, err)
	}
	return tok, nil
}

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
	if secs > 0 {
		tok.ExpiresIn = int64(secs)
		tok.Expiry = now.Add(time.Duration(secs * float64(time.Second)))
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

// flight is one token request that concurrent callers share.
type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// keyState is what this process knows about one key's token. Every token source of the key
// made by one OAuthApp shares it, so there is one refresh at a time per key in the process.
type keyState struct {
	mu  sync.Mutex
	tok *oauth2.Token // the saved pair in use; nil when none is known or it must be re-read
	// pending is a rotated pair whose Save failed. It is saved before anything else happens
	// and is not used until then.
	pending *oauth2.Token
	// rejected is an access token the API refused (401); it is not handed out again.
	rejected string
	// spent is the last refresh token this process exchanged: it is dead and never sent again.
	spent string
	// dead is a refresh token GHL refused (invalid_grant); it is never sent again.
	dead   string
	flight *flight
}

func (a *OAuthApp) state(key string) *keyState {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.keys[key]
	if st == nil {
		st = &keyState{}
		a.keys[key] = st
	}
	return st
}

// usable reports whether tok may be handed out: not refused by the API and not within
// margin of its expiry.
func usable(tok *oauth2.Token, rejected string, margin time.Duration, now time.Time) bool {
	return tok != nil && tok.AccessToken != "" && tok.AccessToken != rejected &&
		(tok.Expiry.IsZero() || now.Add(margin).Before(tok.Expiry))
}

// await waits for f or for ctx.
func await(ctx context.Context, f *flight) (*oauth2.Token, error) {
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// RefreshingTokenSource hands out the access token saved under one key of a TokenStore,
// refreshing it RefreshMargin before it expires and after the API refuses it (401). It
// implements oauth2.TokenSource, ContextTokenSource and TokenInvalidator; give it to
// WithTokenSource or Client.ForLocation.
//
// For each key, one refresh runs at a time in the process; when the store implements
// TokenLocker the refresh also holds the store's lock and re-reads the store after taking it,
// in case another process refreshed first. The new pair is saved before anyone uses it. The
// refresh runs on a context detached from the caller's (bounded by RequestTimeout), so a
// caller that gives up cannot make the new pair be lost. A refused refresh token
// (invalid_grant) is reported as ErrReauthorizationRequired and never sent again; "Location is
// not active" is a *LocationInactiveError and keeps the refresh token.
type RefreshingTokenSource struct {
	app   *OAuthApp
	store TokenStore
	key   string
	st    *keyState
}

// TokenSource returns the refreshing token source of key (a location ID, or a company ID for
// an agency token) in store. Every token source of one key from this app shares its state,
// so they must all use the same store.
func (a *OAuthApp) TokenSource(store TokenStore, key string) *RefreshingTokenSource {
	return &RefreshingTokenSource{app: a, store: store, key: key, st: a.state(key)}
}

// Key returns the TokenStore key the source serves.
func (s *RefreshingTokenSource) Key() string { return s.key }

// Token returns a valid access token; it implements oauth2.TokenSource. Prefer TokenContext.
func (s *RefreshingTokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns a valid access token, refreshing it first if needed. If ctx ends while
// a refresh is running, TokenContext returns ctx's error and the refresh goes on.
func (s *RefreshingTokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if err := checkID("key", s.key); err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	st := s.st
	st.mu.Lock()
	if usable(st.tok, st.rejected, s.app.margin, s.app.now()) {
		tok := st.tok
		st.mu.Unlock()
		return tok, nil
	}
	f := st.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		st.flight = f
		go s.run(ctx, f)
	}
	st.mu.Unlock()
	return await(ctx, f)
}

// InvalidateToken marks rejected as refused by the API, so the next TokenContext refreshes
// (unless the token has already been replaced). It implements TokenInvalidator.
func (s *RefreshingTokenSource) InvalidateToken(ctx context.Context, rejected *oauth2.Token) error {
	if rejected == nil || rejected.AccessToken == "" {
		return nil
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.tok != nil && st.tok.AccessToken != rejected.AccessToken {
		return nil // already replaced
	}
	st.rejected = rejected.AccessToken
	s.app.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: access token refused by the API; refreshing", slog.String("key", s.key))
	return nil
}

func (s *RefreshingTokenSource) run(ctx context.Context, f *flight) {
	ctx, cancel := s.app.detached(ctx)
	defer cancel()
	tok, err := s.obtain(ctx)
	st := s.st
	st.mu.Lock()
	f.tok, f.err = tok, err
	st.flight = nil
	st.mu.Unlock()
	close(f.done)
}

// obtain returns a usable token: the cached one, the store's, or a refreshed one.
func (s *RefreshingTokenSource) obtain(ctx context.Context) (*oauth2.Token, error) {
	st, margin := s.st, s.app.margin
	st.mu.Lock()
	pending, rejected := st.pending, st.rejected
	st.mu.Unlock()

	if pending == nil {
		// Most calls only need the store's current token; take no lock for that.
		tok, err := s.load(ctx)
		if err != nil {
			return nil, err
		}
		if usable(tok, rejected, margin, s.app.now()) && !s.isStale(tok) {
			s.setToken(tok)
			return tok, nil
		}
	}

	if locker, ok := s.store.(TokenLocker); ok {
		unlock, err := locker.Lock(ctx, s.key)
		if err != nil {
			return nil, fmt.Errorf("ghl: locking the token of %q: %w", s.key, err)
		}
		defer func() {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.app.timeout)
			defer cancel()
			if err := unlock(uctx); err != nil {
				s.app.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: releasing the token lock failed",
					slog.String("key", s.key), slog.String("error", err.Error()))
			}
		}()
	}

	if pending != nil {
		// A rotated pair exists only here: save it before anything else; its refresh token is
		// the only live one.
		if err := s.store.Save(ctx, s.key, pending); err != nil {
			serr := newTokenSaveError(s.key, err, s.app.secrets(pending))
			s.app.logger.LogAttrs(ctx, slog.LevelError, "ghl: saving the refreshed token failed again; it is kept in memory",
				slog.String("key", s.key), slog.String("error", serr.Error()))
			return nil, serr
		}
		s.app.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: refreshed token saved", slog.String("key", s.key))
		st.mu.Lock()
		st.pending, st.tok = nil, pending
		st.mu.Unlock()
		if usable(pending, rejected, 0, s.app.now()) {
			return pending, nil
		}
	}

	// Re-read under the lock: another process may have refreshed while we waited.
	cur, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	if s.isStale(cur) {
		// The store went back to a pair this process already rotated; the newer one is ours.
		st.mu.Lock()
		mine := st.tok
		st.mu.Unlock()
		if mine == nil || mine.RefreshToken == cur.RefreshToken {
			return nil, newTokenError(GrantRefreshToken, s.key, nil, errors.New("the stored refresh token was already used"))
		}
		if err := s.store.Save(ctx, s.key, mine); err != nil {
			return nil, newTokenSaveError(s.key, err, s.app.secrets(mine, cur))
		}
		cur = mine
	}
	st.mu.Lock()
	rejected, dead := st.rejected, st.dead
	st.mu.Unlock()
	if usable(cur, rejected, margin, s.app.now()) {
		s.setToken(cur)
		return cur, nil
	}
	if cur.RefreshToken == "" {
		e := newTokenError(GrantRefreshToken, s.key, nil, errors.New("the token expired and there is no refresh token"))
		e.reauth = true
		return nil, e
	}
	if cur.RefreshToken == dead {
		e := newTokenError(GrantRefreshToken, s.key, nil, errors.New("GHL refused the stored refresh token"))
		e.reauth = true
		return nil, e
	}
	return s.refresh(ctx, cur)
}

// load reads the key's token from the store.
func (s *RefreshingTokenSource) load(ctx context.Context) (*oauth2.Token, error) {
	tok, err := s.store.Load(ctx, s.key)
	switch {
	case errors.Is(err, ErrTokenNotFound):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("ghl: loading the token of %q: %w", s.key, scrubTransportError(err, s.app.secrets()))
	case tok == nil:
		return nil, fmt.Errorf("ghl: loading the token of %q: store returned no token: %w", s.key, ErrTokenNotFound)
	}
	return tok, nil
}

// isStale reports whether tok carries a refresh token this process has already spent.
func (s *RefreshingTokenSource) isStale(tok *oauth2.Token) bool {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.spent != "" && tok.RefreshToken == s.st.spent
}

func (s *RefreshingTokenSource) setToken(tok *oauth2.Token) {
	s.st.mu.Lock()
	s.st.tok = tok
	s.st.mu.Unlock()
}

// refresh spends cur's refresh token and saves the new pair.
func (s *RefreshingTokenSource) refresh(ctx context.Context, cur *oauth2.Token) (*oauth2.Token, error) {
	app, st := s.app, s.st
	form := url.Values{
		"client_id":     {app.conf.ClientID},
		"client_secret": {app.conf.ClientSecret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {cur.RefreshToken},
	}
	if ut := TokenInfoOf(cur).UserType; ut != "" {
		form.Set("user_type", string(ut))
	}
	start := time.Now()
	next, err := app.postToken(ctx, GrantRefreshToken, s.key, tokenPath, form, "", app.secrets(cur))
	if err != nil {
		var te *TokenError
		if errors.As(err, &te) && te.API != nil && containsFold(te.API.Message, "location is not active") {
			err = &LocationInactiveError{Key: s.key, Err: te}
		} else if errors.Is(err, ErrReauthorizationRequired) {
			st.mu.Lock()
			st.dead = cur.RefreshToken
			st.mu.Unlock()
		}
		app.report(ctx, s.key, GrantRefreshToken, start, err)
		return nil, err
	}
	if next.RefreshToken == "" {
		// No rotation in this answer: the old refresh token is still the live one.
		next.RefreshToken = cur.RefreshToken
	}
	next = mergeExtra(next, cur)
	st.mu.Lock()
	if next.RefreshToken != cur.RefreshToken {
		st.spent = cur.RefreshToken
	}
	st.mu.Unlock()
	if err := s.store.Save(ctx, s.key, next); err != nil {
		serr := newTokenSaveError(s.key, err, app.secrets(next, cur))
		st.mu.Lock()
		st.pending, st.tok = next, nil
		st.mu.Unlock()
		app.report(ctx, s.key, GrantRefreshToken, start, serr)
		return nil, serr
	}
	st.mu.Lock()
	st.tok, st.rejected = next, ""
	st.mu.Unlock()
	app.report(ctx, s.key, GrantRefreshToken, start, nil)
	return next, nil
}

// LocationTokenSource mints location tokens from an agency (Company) token with
// POST /oauth/locationToken, and mints a new one RefreshMargin before the current one expires
// or after the API refuses it. Minting spends nothing, so renewal never needs the location's
// refresh token; if GHL sends one it is kept on the token (and saved, with a store). It
// implements oauth2.TokenSource, ContextTokenSource and TokenInvalidator.
type LocationTokenSource struct {
	app        *OAuthApp
	company    oauth2.TokenSource
	companyID  string
	locationID string
	store      TokenStore

	mu       sync.Mutex
	loaded   bool // the store has been read once
	tok      *oauth2.Token
	rejected string
	flight   *flight
}

// LocationTokenSource returns a source of tokens for locationID minted from company, a
// source of the agency token of companyID (typically app.TokenSource(store, companyID)).
// With a non-nil store, a saved location token is used while it lasts and every minted one is
// saved under locationID before it is used.
func (a *OAuthApp) LocationTokenSource(company oauth2.TokenSource, companyID, locationID string, store TokenStore) (*LocationTokenSource, error) {
	if company == nil {
		return nil, &InvalidParamError{Param: "company", Reason: "must not be nil"}
	}
	if err := checkID("companyID", companyID); err != nil {
		return nil, err
	}
	if err := checkID("locationID", locationID); err != nil {
		return nil, err
	}
	return &LocationTokenSource{app: a, company: company, companyID: companyID, locationID: locationID, store: store}, nil
}

// Token returns a valid location token; it implements oauth2.TokenSource.
func (s *LocationTokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns a valid location token, minting one first if needed.
func (s *LocationTokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	if usable(s.tok, s.rejected, s.app.margin, s.app.now()) {
		tok := s.tok
		s.mu.Unlock()
		return tok, nil
	}
	f := s.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.flight = f
		go func() {
			dctx, cancel := s.app.detached(ctx)
			defer cancel()
			tok, err := s.obtain(dctx)
			s.mu.Lock()
			f.tok, f.err = tok, err
			s.flight = nil
			if err == nil {
				s.tok = tok
			}
			s.mu.Unlock()
			close(f.done)
		}()
	}
	s.mu.Unlock()
	return await(ctx, f)
}

// InvalidateToken marks rejected as refused, so the next call mints a new token.
func (s *LocationTokenSource) InvalidateToken(_ context.Context, rejected *oauth2.Token) error {
	if rejected == nil || rejected.AccessToken == "" {
		return nil
	}
	s.mu.Lock()
	if s.tok == nil || s.tok.AccessToken == rejected.AccessToken {
		s.rejected = rejected.AccessToken
	}
	s.mu.Unlock()
	return nil
}

func (s *LocationTokenSource) obtain(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	rejected, loaded := s.rejected, s.loaded
	s.loaded = true
	s.mu.Unlock()
	if s.store != nil && !loaded {
		if tok, err := s.store.Load(ctx, s.locationID); err == nil && usable(tok, rejected, s.app.margin, s.app.now()) {
			return tok, nil
		}
	}
	tok, err := s.mint(ctx)
	var te *TokenError
	if errors.As(err, &te) && te.API != nil && te.API.StatusCode == http.StatusUnauthorized {
		// The agency token itself was refused: have its source renew it, and try once more.
		if inv, ok := s.company.(TokenInvalidator); ok {
			if ctok, cerr := companyToken(ctx, s.company); cerr == nil {
				if ierr := inv.InvalidateToken(ctx, ctok); ierr == nil {
					tok, err = s.mint(ctx)
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if s.store != nil {
		if err := s.store.Save(ctx, s.locationID, tok); err != nil {
			return nil, newTokenSaveError(s.locationID, err, s.app.secrets(tok))
		}
	}
	return tok, nil
}

func companyToken(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	if cts, ok := ts.(ContextTokenSource); ok {
		return cts.TokenContext(ctx)
	}
	return ts.Token()
}

func (s *LocationTokenSource) mint(ctx context.Context) (*oauth2.Token, error) {
	start := time.Now()
	ctok, err := companyToken(ctx, s.company)
	if err != nil {
		err = fmt.Errorf("ghl: minting a location token for %q: getting the agency token: %w", s.locationID, err)
		s.app.report(ctx, s.locationID, GrantLocationToken, start, err)
		return nil, err
	}
	form := url.Values{"companyId": {s.companyID}, "locationId": {s.locationID}}
	tok, err := s.app.postToken(ctx, GrantLocationToken, s.locationID, locationTokenPath, form, ctok.AccessToken, s.app.secrets(ctok))
	if err == nil {
		raw := map[string]any{}
		for _, k := range tokenExtraKeys {
			if v := tok.Extra(k); v != nil {
				raw[k] = v
			}
		}
		// A minted token is a location token of this company even if the answer omits it.
		if raw["userType"] == nil {
			raw["userType"] = string(UserTypeLocation)
		}
		if raw["locationId"] == nil {
			raw["locationId"] = s.locationID
		}
		if raw["companyId"] == nil {
			raw["companyId"] = s.companyID
		}
		tok = tok.WithExtra(raw)
	}
	s.app.report(ctx, s.locationID, GrantLocationToken, start, err)
	return tok, err
}

// LocationClients hands out a *Client per location, for a process that serves many
// locations. Every client shares the base client's transport, rate limiter, logger, observer
// and retry settings; each location's token source is made once and cached, so getting a
// client costs one small allocation. It is safe for concurrent use.
//
//	base, err := ghl.NewClient(ghl.WithLogger(logger))
//	clients := app.LocationClients(base, store) // tokens saved by the install flow
//	...
//	c, err := clients.Client(locationID) // per request, or per job
//	contact, _, err := c.Contacts.Get(ctx, contactID)
//
// For an agency app, make the location sources from the agency token:
//
//	agency := app.TokenSource(store, companyID)
//	clients, err := ghl.NewLocationClients(base, func(locationID string) (oauth2.TokenSource, error) {
//		return app.LocationTokenSource(agency, companyID, locationID, store)
//	})
type LocationClients struct {
	base      *Client
	newSource func(locationID string) (oauth2.TokenSource, error)

	mu      sync.RWMutex
	sources map[string]oauth2.TokenSource
}

// NewLocationClients returns clients derived from base whose tokens come from newSource,
// called once per location.
func NewLocationClients(base *Client, newSource func(locationID string) (oauth2.TokenSource, error)) (*LocationClients, error) {
	if base == nil {
		return nil, &InvalidParamError{Param: "base", Reason: "must not be nil"}
	}
	if newSource == nil {
		return nil, &InvalidParamError{Param: "newSource", Reason: "must not be nil"}
	}
	return &LocationClients{base: base, newSource: newSource, sources: map[string]oauth2.TokenSource{}}, nil
}

// LocationClients returns per-location clients derived from base whose tokens are the
// location tokens saved in store, refreshed by the app.
func (a *OAuthApp) LocationClients(base *Client, store TokenStore) *LocationClients {
	lc, _ := NewLocationClients(base, func(locationID string) (oauth2.TokenSource, error) {
		return a.TokenSource(store, locationID), nil
	})
	return lc
}

// Client returns the client of locationID.
func (l *LocationClients) Client(locationID string) (*Client, error) {
	if err := checkID("locationID", locationID); err != nil {
		return nil, err
	}
	l.mu.RLock()
	ts := l.sources[locationID]
	l.mu.RUnlock()
	if ts == nil {
		var err error
		if ts, err = l.source(locationID); err != nil {
			return nil, err
		}
	}
	return l.base.ForLocation(locationID, ts)
}

func (l *LocationClients) source(locationID string) (oauth2.TokenSource, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ts := l.sources[locationID]; ts != nil {
		return ts, nil
	}
	ts, err := l.newSource(locationID)
	if err != nil {
		return nil, err
	}
	if ts == nil {
		return nil, fmt.Errorf("ghl: no token source for location %q", locationID)
	}
	l.sources[locationID] = ts
	return ts, nil
}

// Forget drops the cached token source of locationID, as when the app is uninstalled there.
func (l *LocationClients) Forget(locationID string) {
	l.mu.Lock()
	delete(l.sources, locationID)
	l.mu.Unlock()
}
