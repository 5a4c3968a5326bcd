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
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const (
	testClientID     = "test-client-id-4242"
	testClientSecret = "test-client-secret-0123456789"
	testOAuthLoc     = "loc-oauth-1"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a slog handler.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sentTokenRequest is one request the app sent to a token endpoint.
type sentTokenRequest struct {
	Method, Path string
	Header       http.Header
	Form         url.Values
	Status       int
}

// tokenRecorder records the app's token requests and every token the server handed out.
type tokenRecorder struct {
	next http.RoundTripper

	mu      sync.Mutex
	reqs    []sentTokenRequest
	secrets map[string]bool
	// gate, when set, makes refresh requests wait for it to close after closing entered.
	gate    chan struct{}
	entered chan struct{}
}

func (rec *tokenRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	form, _ := url.ParseQuery(string(body))
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	gate, entered := rec.gate, rec.entered
	rec.mu.Unlock()
	if gate != nil && form.Get("grant_type") == "refresh_token" {
		close(entered)
		<-gate
	}
	resp, err := rec.next.RoundTrip(r2)
	sent := sentTokenRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form}
	if resp != nil {
		sent.Status = resp.StatusCode
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			rec.mu.Lock()
			for _, k := range []string{"access_token", "refresh_token"} {
				if s, ok := m[k].(string); ok && s != "" {
					rec.secrets[s] = true
				}
			}
			rec.mu.Unlock()
		}
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, sent)
	for _, k := range []string{"refresh_token", "client_secret", "code"} {
		if v := form.Get(k); v != "" {
			rec.secrets[v] = true
		}
	}
	rec.mu.Unlock()
	return resp, err
}

func (rec *tokenRecorder) requests() []sentTokenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]sentTokenRequest(nil), rec.reqs...)
}

func (rec *tokenRecorder) allSecrets() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for s := range rec.secrets {
		out = append(out, s)
	}
	return out
}

// testNoLimit admits everything, so tests that send hundreds of requests are not paced by
// the default limiter's window.
type testNoLimit struct{}

func (testNoLimit) Wait(ctx context.Context, _ string) error { return ctx.Err() }
func (testNoLimit) Observe(string, Observation)              {}

// oauthEnv is a ghltest server with the OAuth endpoints and an app pointed at it.
type oauthEnv struct {
	srv  *ghltest.Server
	app  *OAuthApp
	rec  *tokenRecorder
	logs *syncBuffer
	obs  *refreshObserver
	// offset moves the app's clock forward, so tokens it holds expire without waiting.
	offset atomic.Int64
}

// advance moves the app's clock by d.
func (env *oauthEnv) advance(d time.Duration) { env.offset.Add(int64(d)) }

type refreshObserver struct {
	NopObserver
	mu    sync.Mutex
	infos []TokenRefreshInfo
}

func (o *refreshObserver) OnTokenRefresh(_ context.Context, info TokenRefreshInfo) {
	o.mu.Lock()
	o.infos = append(o.infos, info)
	o.mu.Unlock()
}

func (o *refreshObserver) all() []TokenRefreshInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]TokenRefreshInfo(nil), o.infos...)
}

// newOAuthEnv starts the server and makes the app. Every test using it asserts, when it
// ends, that the server saw no refresh token presented twice.
func newOAuthEnv(t *testing.T, srvOpts ...ghltest.ServerOption) *oauthEnv {
	t.Helper()
	srv := ghltest.NewServer(append([]ghltest.ServerOption{
		ghltest.WithOAuthApp(testClientID, testClientSecret),
		ghltest.WithLocation(testOAuthLoc, "pit-unused-in-oauth-tests"),
	}, srvOpts...)...)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		assert.Zero(t, srv.RefreshTokenReuses(), "the server saw a refresh token presented twice")
	})
	env := &oauthEnv{
		srv:  srv,
		rec:  &tokenRecorder{next: http.DefaultTransport, secrets: map[string]bool{}},
		logs: &syncBuffer{},
		obs:  &refreshObserver{},
	}
	app, err := NewOAuthApp(OAuthConfig{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURL:  "https://app.example.com/oauth/callback",
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		BaseURL:      srv.URL,
		HTTPClient:   &http.Client{Transport: env.rec},
		Logger:       slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer:     env.obs,
	})
	require.NoError(t, err)
	app.now = func() time.Time { return time.Now().Add(time.Duration(env.offset.Load())) }
	env.app = app
	return env
}

// install runs the install flow for loc and saves the pair in store.
func (env *oauthEnv) install(t *testing.T, store TokenStore, loc string, ut UserType) *oauth2.Token {
	t.Helper()
	tok, err := env.app.ExchangeAndSave(context.Background(), store, env.srv.AuthorizationCode(loc), ut)
	require.NoError(t, err)
	return tok
}

func (env *oauthEnv) client(t *testing.T, ts oauth2.TokenSource, loc string) *Client {
	t.Helper()
	c, err := NewClient(WithBaseURL(env.srv.URL), WithTokenSource(ts), WithLocationID(loc),
		WithRateLimiter(testNoLimit{}), WithMaxRetries(0),
		WithLogger(slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	return c
}

// backdate makes the stored token of key look expired to the client.
func backdate(t *testing.T, store TokenStore, key string) *oauth2.Token {
	t.Helper()
	tok, err := store.Load(context.Background(), key)
	require.NoError(t, err)
	tok.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(context.Background(), key, tok))
	return tok
}

func mustLoad(t *testing.T, store TokenStore, key string) *oauth2.Token {
	t.Helper()
	tok, err := store.Load(context.Background(), key)
	require.NoError(t, err)
	return tok
}

func createContact(t *testing.T, c *Client) string {
	t.Helper()
	ct, _, err := c.Contacts.Create(context.Background(), &ContactCreateRequest{FirstName: "Ada", Email: fmt.Sprintf("ada-%d@example.com", time.Now().UnixNano())})
	require.NoError(t, err)
	return ct.ID
}

func TestAuthCodeURL(t *testing.T) {
	app, err := NewOAuthApp(OAuthConfig{ClientID: "cid", ClientSecret: "secret", RedirectURL: "https://x.example/cb", Scopes: []string{"contacts.readonly", "contacts.write"}})
	require.NoError(t, err)
	u, err := url.Parse(app.AuthCodeURL("st8"))
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.Equal(t, "marketplace.gohighlevel.com", u.Host)
	assert.Equal(t, "/v2/oauth/chooselocation", u.Path)
	assert.Equal(t, url.Values{
		"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {"https://x.example/cb"},
		"scope": {"contacts.readonly contacts.write"}, "state": {"st8"},
	}, u.Query())
	assert.NotContains(t, app.AuthCodeURL(""), "state=")

	wl, err := NewOAuthApp(OAuthConfig{ClientID: "cid", ClientSecret: "secret", AuthURL: WhiteLabelAuthURL})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(wl.AuthCodeURL(""), "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation?"))

	ep := OAuthEndpoint("", "")
	assert.Equal(t, "https://services.leadconnectorhq.com/oauth/token", ep.TokenURL)
	assert.Equal(t, oauth2.AuthStyleInParams, ep.AuthStyle)
}

func TestNewOAuthAppRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]OAuthConfig{
		"ClientID":      {ClientSecret: "s"},
		"ClientSecret":  {ClientID: "c"},
		"RefreshMargin": {ClientID: "c", ClientSecret: "s", RefreshMargin: -1},
		"AuthURL":       {ClientID: "c", ClientSecret: "s", AuthURL: "/relative"},
	} {
		_, err := NewOAuthApp(cfg)
		var ipe *InvalidParamError
		require.ErrorAs(t, err, &ipe, name)
		assert.Equal(t, name, ipe.Param)
	}
	_, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "s", BaseURL: "ftp://x"})
	require.Error(t, err)
}

func TestExchangeLocationAndCompany(t *testing.T) {
	env := newOAuthEnv(t)
	ctx := context.Background()

	tok, err := env.app.Exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.WithinDuration(t, time.Now().Add(86399*time.Second), tok.Expiry, time.Minute)
	info := TokenInfoOf(tok)
	assert.Equal(t, TokenInfo{
		UserType: UserTypeLocation, LocationID: testOAuthLoc, CompanyID: ghltest.DefaultCompanyID,
		UserID: ghltest.DefaultUserID, Scope: ghltest.DefaultScope,
	}, info)
	assert.Equal(t, testOAuthLoc, info.Key())
	assert.Contains(t, info.Scopes(), "contacts.write")

	reqs := env.rec.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST /oauth/token", r.Method+" "+r.Path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Empty(t, r.Header.Get("Authorization"), "credentials go in the form body")
	assert.Equal(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {r.Form.Get("code")}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "user_type": {"Location"}, "redirect_uri": {"https://app.example.com/oauth/callback"},
	}, r.Form)

	ctok, err := env.app.Exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeCompany)
	require.NoError(t, err)
	cinfo := TokenInfoOf(ctok)
	assert.Equal(t, UserTypeCompany, cinfo.UserType)
	assert.Empty(t, cinfo.LocationID)
	assert.Equal(t, []string{testOAuthLoc}, cinfo.ApprovedLocations)
	assert.Equal(t, ghltest.DefaultCompanyID, cinfo.Key())

	infos := env.obs.all()
	require.Len(t, infos, 2)
	assert.Equal(t, TokenRefreshInfo{Key: testOAuthLoc, Kind: GrantAuthorizationCode, Duration: infos[0].Duration}, infos[0])
}

func TestExchangeErrors(t *testing.T) {
	env := newOAuthEnv(t)
	ctx := context.Background()
	code := env.srv.AuthorizationCode(testOAuthLoc)
	_, err := env.app.Exchange(ctx, code, UserTypeLocation)
	require.NoError(t, err)

	_, err = env.app.Exchange(ctx, code, UserTypeLocation) // codes are single-use
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, GrantAuthorizationCode, te.Grant)
	require.NotNil(t, te.API)
	assert.Equal(t, 400, te.API.StatusCode)
	assert.Equal(t, "invalid_grant", te.API.ErrorType)
	assert.Nil(t, te.API.Response.Request, "the error must not keep the request, whose body holds the secret")
	assert.NotContains(t, err.Error(), code)

	n := len(env.rec.requests())
	_, err = env.app.Exchange(ctx, "", UserTypeLocation)
	var ipe *InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "code", ipe.Param)
	_, err = env.app.Exchange(ctx, "abc", "Agency")
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "userType", ipe.Param)
	_, err = env.app.ExchangeAndSave(ctx, nil, "abc", UserTypeLocation)
	require.ErrorAs(t, err, &ipe)
	assert.Len(t, env.rec.requests(), n, "bad input must send nothing")

	bad, err := NewOAuthApp(OAuthConfig{ClientID: testClientID, ClientSecret: "wrong-secret-xyz", BaseURL: env.srv.URL})
	require.NoError(t, err)
	_, err = bad.Exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.NotErrorIs(t, err, ErrReauthorizationRequired)
}

func testStoreRoundTrip(t *testing.T, store interface {
	TokenStore
	Delete(context.Context, string) error
}) {
	ctx := context.Background()
	_, err := store.Load(ctx, "nobody")
	require.ErrorIs(t, err, ErrTokenNotFound)

	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := (&oauth2.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: exp}).WithExtra(map[string]any{
		"userType": "Company", "locationId": "L", "companyId": "C", "userId": "U", "scope": "a b",
		"approvedLocations": []any{"L1", "L2"}, "installToFutureLocations": true, "access_token": "at-1",
	})
	require.NoError(t, store.Save(ctx, "loc/../1", tok))
	got, err := store.Load(ctx, "loc/../1")
	require.NoError(t, err)
	assert.Equal(t, "at-1", got.AccessToken)
	assert.Equal(t, "rt-1", got.RefreshToken)
	assert.Equal(t, "Bearer", got.TokenType)
	assert.True(t, exp.Equal(got.Expiry))
	assert.Equal(t, TokenInfo{UserType: UserTypeCompany, LocationID: "L", CompanyID: "C", UserID: "U", Scope: "a b",
		ApprovedLocations: []string{"L1", "L2"}, InstallToFutureLocations: true}, TokenInfoOf(got))

	got.AccessToken = "mutated"
	again, err := store.Load(ctx, "loc/../1")
	require.NoError(t, err)
	assert.Equal(t, "at-1", again.AccessToken, "a loaded token must be a copy")

	require.NoError(t, store.Delete(ctx, "loc/../1"))
	_, err = store.Load(ctx, "loc/../1")
	require.ErrorIs(t, err, ErrTokenNotFound)

	// Concurrent saves and loads of one key (run with -race).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, store.Save(ctx, "k", &oauth2.Token{AccessToken: fmt.Sprint("at-", i), RefreshToken: "rt"}))
			_, err := store.Load(ctx, "k")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	got, err = store.Load(ctx, "k")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.AccessToken, "at-"))
}

func TestMemoryTokenStore(t *testing.T) {
	testStoreRoundTrip(t, NewMemoryTokenStore())
}

func TestFileTokenStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	store, err := NewFileTokenStore(dir)
	require.NoError(t, err)
	testStoreRoundTrip(t, store)

	require.NoError(t, store.Save(context.Background(), "loc/../x", &oauth2.Token{AccessToken: "a", RefreshToken: "r"}))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), e.Name())
	}
	// One file per key, no temporary files left, and no key escapes the directory.
	assert.ElementsMatch(t, []string{"k.json", "loc%2F%2E%2E%2Fx.json"}, names)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	_, err = store.Load(context.Background(), "..")
	require.ErrorIs(t, err, ErrInvalidParam)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"access_token":"secret-at-xyz"`), 0o600))
	_, err = store.Load(context.Background(), "bad")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-at-xyz")
}

func TestMarshalTokenRoundTrip(t *testing.T) {
	tok := (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"userType": "Location", "locationId": "L", "unrelated": 1})
	data, err := MarshalToken(tok)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "unrelated")
	got, err := UnmarshalToken(data)
	require.NoError(t, err)
	assert.Equal(t, "Location", got.Extra("userType"))
	assert.Equal(t, "L", TokenInfoOf(got).Key())
	_, err = MarshalToken(nil)
	require.Error(t, err)
}

// The main guarantee: many callers with an expired token make exactly one refresh, all
// succeed, and the store ends up with the rotated pair.
func TestRefreshConcurrentCallersOneRefresh(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.TokenSource(store, testOAuthLoc)
	client := env.client(t, ts, testOAuthLoc)
	id := createContact(t, client)

	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	const n = 200
	var wg sync.WaitGroup
	var failed atomic.Int32
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, _, err := client.Contacts.Get(context.Background(), id); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, n, env.srv.Requests(http.MethodGet, "/contacts/"+id), "no call needed a 401 retry")

	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
	assert.NotEqual(t, first.AccessToken, stored.AccessToken)
	assert.True(t, stored.Expiry.After(env.app.now().Add(time.Hour)))
	assert.Equal(t, testOAuthLoc, TokenInfoOf(stored).LocationID, "the refreshed pair keeps its GHL fields")
	assert.Equal(t, UserTypeLocation, TokenInfoOf(stored).UserType)

	// The stored pair is the one in use: another call needs no refresh.
	_, _, err := client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

func TestRefreshSendsUserTypeAndCredentialsInBody(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	tok, err := env.app.TokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)

	reqs := env.rec.requests()
	require.Len(t, reqs, 2)
	r := reqs[1]
	assert.Equal(t, "POST /oauth/token", r.Method+" "+r.Path)
	assert.Equal(t, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "user_type": {"Location"},
	}, r.Form)
	assert.Empty(t, r.Header.Get("Authorization"))
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))

	infos := env.obs.all()
	require.Len(t, infos, 2)
	assert.Equal(t, testOAuthLoc, infos[1].Key)
	assert.Equal(t, GrantRefreshToken, infos[1].Kind)
	assert.NoError(t, infos[1].Err)
}

func TestRefreshMargin(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	tok := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.TokenSource(store, testOAuthLoc)

	tok.Expiry = time.Now().Add(6 * time.Minute) // outside the 5-minute margin: used as is
	require.NoError(t, store.Save(context.Background(), testOAuthLoc, tok))
	got, err := ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	assert.Zero(t, env.srv.RefreshCount())

	env.advance(2 * time.Minute) // now inside it
	got, err = ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, got.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

// A token the client believes valid but the API refuses: 401, one refresh, one retry.
func TestRefreshOn401ThenRetry(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.TokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.srv.ExpireAccessTokens()

	ct, _, err := client.Contacts.Update(context.Background(), id, &ContactUpdateRequest{City: Ptr("Lisbon")})
	require.NoError(t, err)
	assert.Equal(t, "Lisbon", ct.City, "the retried request carried its body")
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, 2, env.srv.Requests(http.MethodPut, "/contacts/"+id))
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)

	// Concurrent 401s with the same token refresh once.
	env.srv.ExpireAccessTokens()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := client.Contacts.Get(context.Background(), id)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 2, env.srv.RefreshCount())
}

// A caller that gives up during a refresh does not lose the rotated pair.
func TestRefreshSurvivesCancelledCaller(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.TokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	gate, entered := make(chan struct{}), make(chan struct{})
	env.rec.mu.Lock()
	env.rec.gate, env.rec.entered = gate, entered
	env.rec.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := client.Contacts.Get(ctx, id)
		errc <- err
	}()
	<-entered // the refresh request is on its way
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	env.rec.mu.Lock()
	env.rec.gate = nil
	env.rec.mu.Unlock()
	close(gate) // the server answers the abandoned refresh

	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount(), "the next call used the rotated pair")
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
}

// failingStore fails the next failSaves saves.
type failingStore struct {
	TokenStore
	failSaves atomic.Int32
	saves     atomic.Int32
}

func (f *failingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	f.saves.Add(1)
	if f.failSaves.Add(-1) >= 0 {
		return fmt.Errorf("disk full while writing %s", tok.RefreshToken) // a careless store
	}
	return f.TokenStore.Save(ctx, key, tok)
}

func TestRefreshSaveFailureLosesNothing(t *testing.T) {
	env := newOAuthEnv(t)
	store := &failingStore{TokenStore: NewMemoryTokenStore()}
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.TokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	store.failSaves.Store(2)
	_, _, err := client.Contacts.Get(context.Background(), id)
	var serr *TokenSaveError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, testOAuthLoc, serr.Key)
	assert.Contains(t, err.Error(), "disk full")
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken, "nothing saved yet")
	assert.Zero(t, env.srv.Requests(http.MethodGet, "/contacts/"+id), "the unsaved pair was not used")

	// The save fails again: still an error, still no second refresh.
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, 1, env.srv.RefreshCount())

	// Now the store works: the kept pair is saved and used.
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

func TestRefreshInvalidGrant(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.TokenSource(store, testOAuthLoc)
	backdate(t, store, testOAuthLoc)
	env.srv.RevokeTokens(testOAuthLoc) // uninstalled: the refresh token is refused

	_, err := ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.NotErrorIs(t, err, ErrLocationInactive)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, GrantRefreshToken, te.Grant)
	assert.Equal(t, testOAuthLoc, te.Key)
	assert.Equal(t, "Invalid grant: refresh token is invalid", te.API.Message)
	n := len(env.rec.requests())

	// The refused refresh token is not sent again.
	_, err = ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Len(t, env.rec.requests(), n)
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)

	// A new install replaces it and works at once.
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	_, err = ts.TokenContext(context.Background())
	require.NoError(t, err)
}

// Both shapes GHL uses for a refused refresh token become ErrReauthorizationRequired.
func TestRefreshInvalidGrantShapes(t *testing.T) {
	for name, body := range map[string]string{
		"message": `{"statusCode":400,"message":"Invalid grant: refresh token is invalid"}`,
		"rfc6749": `{"error":"invalid_grant","error_description":"expired"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "secret-s-123", BaseURL: srv.URL})
			require.NoError(t, err)
			store := NewMemoryTokenStore()
			require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-expired-1", RefreshToken: "rt-1234567890", Expiry: time.Now().Add(-time.Hour)}))
			_, err = app.TokenSource(store, "L").Token()
			require.ErrorIs(t, err, ErrReauthorizationRequired)
		})
	}
}

func TestRefreshLocationInactiveKeepsRefreshToken(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.TokenSource(store, testOAuthLoc)
	backdate(t, store, testOAuthLoc)
	env.srv.SetLocationActive(testOAuthLoc, false)

	_, err := ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrLocationInactive)
	assert.NotErrorIs(t, err, ErrReauthorizationRequired)
	var lie *LocationInactiveError
	require.ErrorAs(t, err, &lie)
	assert.Equal(t, testOAuthLoc, lie.Key)
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)
	assert.Zero(t, env.srv.RefreshCount())

	env.srv.SetLocationActive(testOAuthLoc, true)
	tok, err := ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

// lockingStore is a store shared with "another process", with a lock that lets that process
// refresh while this one waits for the lock.
type lockingStore struct {
	TokenStore
	mu     sync.Mutex
	events []string
	onLock func()
}

func (l *lockingStore) log(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *lockingStore) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	l.log("load")
	return l.TokenStore.Load(ctx, key)
}

func (l *lockingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	l.log("save")
	return l.TokenStore.Save(ctx, key, tok)
}

func (l *lockingStore) Lock(ctx context.Context, key string) (func(context.Context) error, error) {
	l.log("lock")
	if l.onLock != nil {
		l.onLock()
	}
	return func(context.Context) error { l.log("unlock"); return nil }, nil
}

func TestRefreshRereadsStoreAfterLock(t *testing.T) {
	env := newOAuthEnv(t)
	shared := NewMemoryTokenStore()
	env.install(t, shared, testOAuthLoc, UserTypeLocation)
	backdate(t, shared, testOAuthLoc)

	// The other process refreshes while this one waits for the lock.
	other, err := NewOAuthApp(OAuthConfig{ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: env.srv.URL})
	require.NoError(t, err)
	store := &lockingStore{TokenStore: shared}
	var theirs *oauth2.Token
	store.onLock = func() {
		theirs, err = other.TokenSource(shared, testOAuthLoc).Token()
		require.NoError(t, err)
	}
	tok, err := env.app.TokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, theirs.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount(), "the re-read found the other process's pair")
	assert.Equal(t, []string{"load", "lock", "load", "unlock"}, store.events)

	// When nobody else refreshed, the refresh happens under the lock and saves before unlocking.
	env.advance(24 * time.Hour)
	store.onLock, store.events = nil, nil
	_, err = env.app.TokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, env.srv.RefreshCount())
	assert.Equal(t, []string{"load", "lock", "load", "save", "unlock"}, store.events)
}

// A store that goes back to a pair this process already rotated must not make it send the
// spent refresh token.
func TestRefreshNeverResendsSpentToken(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	ts := env.app.TokenSource(store, testOAuthLoc)
	second, err := ts.Token()
	require.NoError(t, err)

	stale := *first
	stale.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(context.Background(), testOAuthLoc, stale.WithExtra(map[string]any{"userType": "Location"})))
	require.NoError(t, ts.InvalidateToken(context.Background(), second))
	env.advance(25 * time.Hour)
	third, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, second.AccessToken, third.AccessToken)
	assert.Equal(t, 2, env.srv.RefreshCount())
	assert.Equal(t, third.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)
}

func TestLocationTokenSource(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	company := env.install(t, store, testOAuthLoc, UserTypeCompany)
	companyID := TokenInfoOf(company).CompanyID
	companySrc := env.app.TokenSource(store, companyID)
	lts, err := env.app.LocationTokenSource(companySrc, companyID, testOAuthLoc, store)
	require.NoError(t, err)
	client := env.client(t, lts, testOAuthLoc)
	id := createContact(t, client)
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.LocationTokensMinted())

	reqs := env.rec.requests()
	r := reqs[len(reqs)-1]
	assert.Equal(t, "POST /oauth/locationToken", r.Method+" "+r.Path)
	assert.Equal(t, "Bearer "+company.AccessToken, r.Header.Get("Authorization"))
	assert.Equal(t, "2021-07-28", r.Header.Get("Version"))
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Equal(t, url.Values{"companyId": {companyID}, "locationId": {testOAuthLoc}}, r.Form)
	assert.Equal(t, http.StatusCreated, r.Status, "any 2xx is accepted")

	tok, err := lts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, tok.RefreshToken, "a refresh token in the answer is kept")
	info := TokenInfoOf(tok)
	assert.Equal(t, UserTypeLocation, info.UserType)
	assert.Equal(t, testOAuthLoc, info.LocationID)
	assert.Equal(t, tok.AccessToken, mustLoad(t, store, testOAuthLoc).AccessToken, "saved before use")

	// Renewed before expiry (and so is the agency token, whose expiry is as near).
	env.advance(86399*time.Second - 4*time.Minute)
	tok2, err := lts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, tok2.AccessToken)
	assert.Equal(t, 2, env.srv.LocationTokensMinted())
	assert.Equal(t, 1, env.srv.RefreshCount())

	// Renewed after a 401. The agency token is refused too: minting refreshes it first.
	env.srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 3, env.srv.LocationTokensMinted())
	assert.Equal(t, 2, env.srv.RefreshCount())

	_, err = env.app.LocationTokenSource(companySrc, companyID, "", nil)
	require.ErrorIs(t, err, ErrInvalidParam)
}

func TestLocationTokenSourceWithoutRefreshToken(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"minted-at-1234567","token_type":"Bearer","expires_in":86399,"scope":"contacts.readonly","locationId":"L1","userId":"U"}`)
	}))
	defer srv.Close()
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "secret-s-123", BaseURL: srv.URL})
	require.NoError(t, err)
	lts, err := app.LocationTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-at-123456"}), "C1", "L1", nil)
	require.NoError(t, err)
	tok, err := lts.Token()
	require.NoError(t, err)
	assert.Equal(t, "minted-at-1234567", tok.AccessToken)
	assert.Empty(t, tok.RefreshToken)
	assert.Equal(t, "C1", TokenInfoOf(tok).CompanyID)
	assert.Equal(t, "Bearer agency-at-123456", got.Get("Authorization"))
}

func TestLocationClients(t *testing.T) {
	env := newOAuthEnv(t, ghltest.WithLocation("loc-oauth-2", "pit-2-unused"))
	store := NewMemoryTokenStore()
	t1 := env.install(t, store, testOAuthLoc, UserTypeLocation)
	t2 := env.install(t, store, "loc-oauth-2", UserTypeLocation)
	base, err := NewClient(WithBaseURL(env.srv.URL), WithRateLimiter(testNoLimit{}))
	require.NoError(t, err)
	clients := env.app.LocationClients(base, store)

	c1, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	c2, err := clients.Client("loc-oauth-2")
	require.NoError(t, err)
	assert.Same(t, base.cfg, c1.cfg, "shares transport, limiter and settings")
	assert.Same(t, base.cfg, c2.cfg)
	assert.Equal(t, testOAuthLoc, c1.LocationID())
	c1again, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	assert.Same(t, c1.tokenSource, c1again.tokenSource, "token sources are cached")

	tok1, err := c1.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, t1.AccessToken, tok1.AccessToken)
	tok2, err := c2.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, t2.AccessToken, tok2.AccessToken)
	createContact(t, c1)
	createContact(t, c2)

	_, err = clients.Client("")
	require.ErrorIs(t, err, ErrInvalidParam)

	allocs := testing.AllocsPerRun(100, func() { _, _ = clients.Client(testOAuthLoc) })
	assert.LessOrEqual(t, allocs, 1.0)
}

func BenchmarkLocationClients(b *testing.B) {
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		b.Fatal(err)
	}
	base, err := NewClient()
	if err != nil {
		b.Fatal(err)
	}
	clients := app.LocationClients(base, NewMemoryTokenStore())
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("location-%04d", i)
		if _, err := clients.Client(ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := clients.Client(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// Every log line and error string of the OAuth flows is free of tokens and secrets.
func TestOAuthNoSecretsInLogsOrErrors(t *testing.T) {
	env := newOAuthEnv(t)
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	ctx := context.Background()

	// Exchange, then a failed exchange (reused code).
	store := &failingStore{TokenStore: NewMemoryTokenStore()}
	code := env.srv.AuthorizationCode(testOAuthLoc)
	_, err := env.app.ExchangeAndSave(ctx, store, code, UserTypeLocation)
	require.NoError(t, err)
	_, err = env.app.Exchange(ctx, code, UserTypeLocation)
	require.Error(t, err)
	keep(err)
	// A failed save after an exchange.
	store.failSaves.Store(1)
	_, err = env.app.ExchangeAndSave(ctx, store, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.Error(t, err)
	keep(err)

	client := env.client(t, env.app.TokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)

	// Refresh after expiry, and after a 401.
	env.advance(24 * time.Hour)
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)
	env.srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)

	// A failed save of a refreshed pair (the store's own error quotes the token), then its retry.
	env.advance(24 * time.Hour)
	store.failSaves.Store(1)
	_, _, err = client.Contacts.Get(ctx, id)
	require.Error(t, err)
	keep(err)
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)

	// Inactive location.
	env.advance(24 * time.Hour)
	env.srv.SetLocationActive(testOAuthLoc, false)
	_, _, err = client.Contacts.Get(ctx, id)
	require.ErrorIs(t, err, ErrLocationInactive)
	keep(err)
	env.srv.SetLocationActive(testOAuthLoc, true)

	// Refused refresh token, and a 401 that cannot be cured.
	env.srv.RevokeTokens(testOAuthLoc)
	_, _, err = client.Contacts.Get(ctx, id)
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	keep(err)

	// Minting with a refused agency token.
	lts, err := env.app.LocationTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-token-not-valid-123"}), ghltest.DefaultCompanyID, testOAuthLoc, nil)
	require.NoError(t, err)
	_, err = lts.Token()
	require.ErrorIs(t, err, ErrUnauthorized)
	keep(err)

	// Wrong client secret.
	bad, err := NewOAuthApp(OAuthConfig{ClientID: testClientID, ClientSecret: "wrong-client-secret-42", BaseURL: env.srv.URL, Logger: slog.New(slog.NewJSONHandler(env.logs, nil))})
	require.NoError(t, err)
	_, err = bad.Exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.Error(t, err)
	keep(err)

	secrets := append(env.rec.allSecrets(), testClientSecret, "wrong-client-secret-42", "agency-token-not-valid-123")
	require.Greater(t, len(secrets), 8)
	logs := env.logs.String()
	require.Contains(t, logs, "ghl: token obtained")
	require.Contains(t, logs, "ghl: token request failed")
	require.Contains(t, logs, "ghl: saving the new token of")
	require.Len(t, errs, 7)
	for _, s := range secrets {
		assert.NotContains(t, logs, s, "a log line holds a secret")
		for _, e := range errs {
			assert.NotContains(t, e.Error(), s, "an error holds a secret")
			assert.NotContains(t, fmt.Sprintf("%+v", e), s)
			var apiErr *APIError
			if errors.As(e, &apiErr) {
				assert.NotContains(t, string(apiErr.Body), s)
			}
		}
	}
}

// Token requests carry the client secret and refresh token: they never follow a redirect to
// another host.
func TestTokenRequestsRefuseCrossHostRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "secret-s-123", BaseURL: srv.URL, HTTPClient: &http.Client{}})
	require.NoError(t, err)
	store := NewMemoryTokenStore()
	require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-expired-1", RefreshToken: "rt-1234567890", Expiry: time.Now().Add(-time.Hour)}))
	_, err = app.TokenSource(store, "L").Token()
	require.ErrorContains(t, err, "refused redirect to another host")
	_, err = app.Exchange(context.Background(), "code-123456789", UserTypeLocation)
	require.ErrorContains(t, err, "refused redirect to another host")
	lts, err := app.LocationTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-at-123456"}), "C", "L", nil)
	require.NoError(t, err)
	_, err = lts.Token()
	require.ErrorContains(t, err, "refused redirect to another host")
	assert.Zero(t, elsewhere.Load())
}

// Token sources of one key from one app share their refresh, wherever they were made.
func TestTokenSourcesOfOneKeyShareRefresh(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	var wg sync.WaitGroup
	toks := make([]*oauth2.Token, 50)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			toks[i], err = env.app.TokenSource(store, testOAuthLoc).TokenContext(context.Background())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, env.srv.RefreshCount())
	for _, tok := range toks {
		assert.Equal(t, toks[0].AccessToken, tok.AccessToken)
	}
}

func TestTokenSourceWithoutStoredToken(t *testing.T) {
	env := newOAuthEnv(t)
	_, err := env.app.TokenSource(NewMemoryTokenStore(), testOAuthLoc).TokenContext(context.Background())
	require.ErrorIs(t, err, ErrTokenNotFound)
	_, err = env.app.TokenSource(nil, testOAuthLoc).TokenContext(context.Background())
	require.ErrorIs(t, err, ErrInvalidParam)
	_, err = env.app.TokenSource(NewMemoryTokenStore(), "").TokenContext(context.Background())
	require.ErrorIs(t, err, ErrInvalidParam)

	// An expired token without a refresh token needs a new install.
	store := NewMemoryTokenStore()
	require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-old-123456", Expiry: time.Now().Add(-time.Hour)}))
	_, err = env.app.TokenSource(store, "L").Token()
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Empty(t, env.rec.requests())
}
